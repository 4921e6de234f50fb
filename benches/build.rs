//! With the `openssl` feature, compiles `c/pbkdf2_floor.c` (the PBKDF2 floor: two
//! `SHA*_Transform` calls per iteration, issue 6) against the system libcrypto for the
//! `mutual_kam3` benchmark and the `ratio` example. Without it, does nothing.

fn main() {
    println!("cargo:rerun-if-changed=c/pbkdf2_floor.c");
    #[cfg(feature = "openssl")]
    {
        cc::Build::new()
            .file("c/pbkdf2_floor.c")
            .opt_level(3)
            .flag_if_supported("-march=native")
            .compile("pbkdf2_floor");
        println!("cargo:rustc-link-lib=crypto");
    }
}
