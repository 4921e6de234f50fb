//! Self-generated regression pins for iso-kam3-dl-4096-sha512 and iso-kam3-ec-p521-sha512
//! (and non-ASCII inputs for all four algorithms), from fixed S_c1 and S_s1.
//!
//! REGRESSION PINS, NOT VERIFIED AGAINST ANOTHER IMPLEMENTATION: they were produced by this
//! crate after its math was checked against the independent shared vectors (dl-2048, p256)
//! and the num-bigint-dig oracle (`tests/oracle.rs`, all four algorithms). They catch
//! changes, not misreadings of the drafts.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests panic on failure by design

#[path = "common/dl_env.rs"]
mod dl_env;

use mutual_core::encoding::{hex_encode, vi, vs};
use mutual_core::hazmat::{client_kex_with_secret, server_exchange_with_secret};
use mutual_core::kam3;
use mutual_core::{Algorithm, SecretBytes, algorithm_by_token};
use sha2::{Digest, Sha512};

/// A deterministic secret of `len` octets below the group order: SHA-512 stream of `label`
/// with the top octet cleared.
fn fixed_secret(label: &str, len: usize) -> SecretBytes {
    let mut out = Vec::new();
    let mut i = 0u32;
    while out.len() < len {
        out.extend(Sha512::digest(format!("{label}/{i}").as_bytes()));
        i += 1;
    }
    out.truncate(len);
    out[0] = 0;
    if len == 66 {
        out[1] &= 0x01; // P-521 scalars have 521 bits.
    }
    SecretBytes::new(out)
}

fn scalar_len(alg: &dyn Algorithm) -> usize {
    match alg.token() {
        "iso-kam3-ec-p256-sha256" => 32,
        "iso-kam3-ec-p521-sha512" => 66,
        _ => alg.element_len(),
    }
}

/// Every value of one exchange, as (label, lower-case hex or wire string).
fn run(token: &str, scope: &str, realm: &str, user: &str, password: &str) -> Vec<(String, String)> {
    dl_env::apply();
    let alg = algorithm_by_token(token).unwrap();
    let n = scalar_len(alg);
    let pi = kam3::pi(alg, scope, realm, user, password).unwrap();
    let j = alg.verifier(&pi).unwrap();
    let client = client_kex_with_secret(alg, fixed_secret("S_c1", n)).unwrap();
    let server =
        server_exchange_with_secret(alg, &j, client.kc1(), fixed_secret("S_s1", n)).unwrap();
    let keys = client.finish(&pi, &server.ks1).unwrap();
    assert_eq!(keys.z.expose_secret(), server.z.expose_secret());
    let vh = b"https://example.com:443";
    let enc = alg.wire_encoding();
    let vkc = kam3::vk_c(alg, &keys, 1, vh);
    let vks = kam3::vk_s(alg, &keys, 1, vh);
    vec![
        ("pi".into(), hex_encode(pi.expose_secret())),
        ("J".into(), hex_encode(j.expose_secret())),
        ("K_c1".into(), hex_encode(&keys.kc1)),
        ("t_1".into(), hex_encode(&kam3::t1(alg, &keys.kc1))),
        ("K_s1".into(), hex_encode(&keys.ks1)),
        (
            "t_2".into(),
            hex_encode(&kam3::t2(alg, &keys.kc1, &keys.ks1)),
        ),
        ("z".into(), hex_encode(keys.z.expose_secret())),
        ("VK_c".into(), hex_encode(&vkc)),
        ("VK_s".into(), hex_encode(&vks)),
        (
            "b_1".into(),
            hex_encode(kam3::b1(alg, &keys, vh, b"").expose_secret()),
        ),
        (
            "b_2".into(),
            hex_encode(kam3::b2(alg, &keys, 1, vh, b"t").expose_secret()),
        ),
        ("VI(nc)".into(), hex_encode(&vi(1))),
        ("VS(vh)".into(), hex_encode(&vs(vh))),
        ("kc1".into(), enc.encode(&keys.kc1)),
        ("ks1".into(), enc.encode(&keys.ks1)),
        ("vkc".into(), enc.encode(&vkc)),
        ("vks".into(), enc.encode(&vks)),
    ]
}

fn check(token: &str, scope: &str, realm: &str, user: &str, password: &str, pins: &[(&str, &str)]) {
    let got = run(token, scope, realm, user, password);
    if std::env::var_os("MUTUAL_PRINT_PINS").is_some() {
        for (k, v) in &got {
            println!("(\"{k}\", \"{v}\"),");
        }
    }
    assert_eq!(got.len(), pins.len(), "{token}: number of pinned values");
    for ((k, v), (pk, pv)) in got.iter().zip(pins) {
        assert_eq!(k, pk);
        assert_eq!(v, pv, "{token}: {k}");
    }
}

/// RFC 8121 Appendix B: wire lengths per algorithm.
#[test]
fn rfc8121_appendix_b_sizes() {
    for (token, kc1_len, vkc_len) in [
        ("iso-kam3-dl-2048-sha256", 344, 44),
        ("iso-kam3-dl-4096-sha512", 684, 88),
        ("iso-kam3-ec-p256-sha256", 66, 64),
        ("iso-kam3-ec-p521-sha512", 132, 128),
    ] {
        let got = run(token, "example.com", "r", "u", "p");
        let value = |k: &str| got.iter().find(|(l, _)| l == k).unwrap().1.clone();
        for k in ["kc1", "ks1"] {
            assert_eq!(value(k).len(), kc1_len, "{token} {k}");
        }
        for k in ["vkc", "vks"] {
            assert_eq!(value(k).len(), vkc_len, "{token} {k}");
        }
    }
}

#[test]
fn regression_pin_iso_kam3_dl_4096_sha512_ascii() {
    check(
        "iso-kam3-dl-4096-sha512",
        "example.com",
        "testrealm@example.com",
        "alice",
        "wonderland",
        &[
            (
                "pi",
                "7e1f1562086b17334e59b70734c00982a636204850e649f7a6cd8382d1dfd31afc80a3c5f78ddc573662e08f68aeb6f3e7f21468633896213bcb11a8f110f9d7",
            ),
            (
                "J",
                "77e64af9dbf06ebfed322603c71a9808040645a0e29106f0a1ac609fc2edcb51541d74ccf3176d86e7721c4cdf7192de721d46af348b3e22ec8c8086bf10e7285cf19effd0a73b479dc7b6728e8f41638824efc81811c6e826f61c0981653f09898243ed8afd38c0e8480c35f80f8a004c79cb27ca0df6e31c950628751b7d6f6d1971c9720887e3bdb31212a31e323a0e54374f6df08ef51c1b556480c3241bd8b778ebab35b160c4b88e6a781808526e82f5e7b2a0c513586cc525f834bd7c4d092eab49297f23eea5694235d688c12f9a60062e4b4f8a8cc6280a92c9a94ec414f111071cc2f7a01bf7a90232b87c2fe355782a176649794afe02f902addf957fb4e854c0d5083a9f7d8f41d17203ea75d729f3d797136ef8cb6642bbd41f35e5e221a6cc74fc019df6f51e7e96d64cdb96352070c925be8ffc92bcc4c59c29d71d7eae642963b1937bc1709bebd953c3cb2482744f4fef169fd92dc3790db9b20cd35b91b91e4dfb1146559f45d891935aad87cbef16b033e59ff6f4f97ef4115575b084834c04f4e3bc8385f28d894d02edab157add1cecabf31a327b84e50ebf450f46d43911dd6d8280f706c833aec735d24cd9902d6e438b15546705a470b4ed7092ae9a40760c0e5f7b38af7a08dbf740a7424c25c1a410c9125f04af454aa3b8b8761fa14512672c3f694aae7e015f0c4fe4e306476a3b139bdc12",
            ),
            (
                "K_c1",
                "711f52dcc03af6ad1ee1469c6fab2d11a0531672d458baff6793869ee8059d810a563c7515462f60e2cbbb18a47d1b3da562a70fc92514a70a07845593686a9bd3bcaf73203aaef86ddf404a5cb2591ae5415700368990c3e922c462b546f2d580469b998ff74affd4fc4adc2f34486a6bfde44078ba41d33eb245377dd2fef7cbf9614299bc0710574ac2509d93a56ca555f3ba0ae06110924ad96eddf5378bc0cc3d7076f0becbc30280c020110a02fb4645b8fe2f4841752fa83487ee68fb598f289cf6127f429ad4ebdebd752df5403716c3c48616cd6d7dfc00387b8c1944c303547a12c92a11129d38f7ab5ddfd347ce4d8ae4f233661aed53d524fe26fbce49d48d9a92cdae831fcb6505085607004d845e667c34ce74186f31d21b1c34c1231c614725415f5d48da3ee48772999221e40cdf6274d04fd0796bc9ab1f0ede5a0f9d3c6b9a9dd1fed418a1512751743e2f7c9f328b2659165bbd56fb4c88ff84768074713f9456553cb0142de3e26e97c444881cdea3cef804a988a7d880c5bccc667268b4ca355b795580303ee95332d457b4eac15d9c832a853ed8a1758fb496253ab4e30bfd55f6b906d64a9042576d95596a7df947366a897748a5b04a2def2c52417a176771866dedcfbc079141913b6ccff07132312e6be631a70d453abac4994eb55573797885788fcbdc66ffd4ac321792fc029ef77df37dc8",
            ),
            (
                "t_1",
                "fd1f2429b70e0798488176b81431ce69e64dd5d07fbd12f54aa9e5d514d7859761087c15fb23b73caf246914e3045d851c46c518fd426076abe4342adbbdda6a",
            ),
            (
                "K_s1",
                "216a524e838b89186c5ef1216e4b499fb2bd9c6507f6d41bddb2c67bb4a79b885785e03a0e7722ee44bedc56cb864dc8af164d41b6371f70b348f0e9e129499546f28df1965181b3f6bc1fea525c8cf584ef88001696b83475644981b5425ce41042414ad6996c389b042a8d976020bf284738e40d8126e4a93f40a0f87b42ef8b63840e1cf38249a1f1b07f431661cdc0a95563420dcb6cab23fce1c317342678ecadc097fa045a0f35caf97c1602edba7e3fcfbba6889069ef3c4c1ff3ae5e0312bb6477ac2c2d42273df2c7dcee528c5359f20ff06a60c1458a9af49c082eb1c229b9e69019133a11fde2c6399eb4dd281bac2af6e254f8b13db9a19a1217f3741019658c83206b5f3e5995cbfce6644037d0d2919bd32db4f8e5964366af139d73cc26c35029b2ffb29c80cd3f695d42510e46100b0aba080a1ded32bccb6300ab904f88bb1b07a83dc87223ef7e9d9757ebc0687fa21983eab4e2f9df1d207db18f181e90d9d4f110885adcd7e562b12093c986bf13c2045289b472fe15e1bfc12575444a23c84434039bb77d009840e842ff4d8841fa2ec1206039b4fc0990ce206eecf4cce6ed0697904e52dd4ddeb3c4ef42c400a1fa86971fb47e1e43b984d3905b3b4004bbbf588586e446ab647a360fd4cc8823d682c426e8bf52a10c871584085eae2417f2ee1f629941ae633d50f9098498aeea7f17346bb408",
            ),
            (
                "t_2",
                "c8b6bd793c20321e3ee813bd2f632ccb8c182b6be633ee445826f3d75a146ecb7aff1497a35b2b8ff78d32996628bdada327ea8a0b4724d122bc47dc8b3e4951",
            ),
            (
                "z",
                "f226e8144cf7daaa19dc79747862bc214833dc78279c092f7a0255d2b0009186081d905b0f9930ffc5f743bc9f78c86950fae3342fe1aca08c074fe499184cd0f2f1cf3ace9e6fdedc2be461ec4366974666b2d0b38db5e9c9cee27bbc47a9f82f889630fffc9df7e549ac0c82a086b56c8547a01d2f68dc3ebbeeed01a26f562cf9e706b1bf3954176b5e30135e5c47fcb7d98eb86bf101e44566878e48372718bb96280516250d124fed39b7214ef37cd940b517ad9ce31719aa441bd0bdb76379649440df8a443636e86519d6f6e783e7a701ed45d1f3c2da0c49ad7c69b3e1f66f88c9fcd84a92997b8a4edadfc6a13b7989d65713f9b57ff3223ac51a86767141168d1281277ec62bd4a9165e7573aecb809e075099a5f89143a0f0c59b2e6f83cfdfc26dac2f90b72af63954cd7fbdf8b1b4e81845b566f4fb8844f382e39ac25bee985ad38718128761e491535fcfbb5bddbcf9b793167815ebd9a077a997541a61e7619616ebeba02a8b0fe85d4e414ac35c2721846fe06e6888afafeceab1effb5ec08fbcba424ad86d336ca8bb0238c5ecd35330217e77205c2c082884d704e243a04067630e287167eaa2cdec854578d6492be338d3ac744705f36dad30fbcbaf38819f94fec18abc27918c31f8c438be0d89da8bd992c850603c8d36e94089f079a724876ea915e3a3451479f2fa05bc12c200bdd33bc2b43d54",
            ),
            (
                "VK_c",
                "71e0f321e7e3f6bc8b37f04a08352c9bb84f3828cfaa6560658f32da673168e89fa2a2465619af51934bbfbbc1694ddfb060f99bbed9170041d4edc5ab579324",
            ),
            (
                "VK_s",
                "419901d76f966e557c61e9b0ee577ee6b4d20316224b62a11eea2da75161a1a156b537d8bee7ea42ccf5e0e2b2d266496df46fb481f75fd1d278ec0d54eb7b54",
            ),
            (
                "b_1",
                "090f6738afcbc4fe1ad88c24cb1626defb2718712a2dbeb22f18a121887b136d4d2fbc9aabf8f1549b4ee8da437c41297969dcb0400f0a9621260305507dd7fd",
            ),
            (
                "b_2",
                "7e7a6ac4bb89aa515d942a6b9ac87d189b74018851ca551f23201d4e103beda795942f9fde82469bbc895e1db9600a55e9ca38e057c63f7bfe9258c7e7afeb9a",
            ),
            ("VI(nc)", "01"),
            ("VS(vh)", "1768747470733a2f2f6578616d706c652e636f6d3a343433"),
            (
                "kc1",
                "cR9S3MA69q0e4Uacb6stEaBTFnLUWLr/Z5OGnugFnYEKVjx1FUYvYOLLuxikfRs9pWKnD8klFKcKB4RVk2hqm9O8r3MgOq74bd9ASlyyWRrlQVcANomQw+kixGK1RvLVgEabmY/3Sv/U/ErcLzRIamv95EB4ukHTPrJFN33S/vfL+WFCmbwHEFdKwlCdk6VspVXzugrgYRCSStlu3fU3i8DMPXB28L7LwwKAwCARCgL7RkW4/i9IQXUvqDSH7mj7WY8onPYSf0Ka1OvevXUt9UA3FsPEhhbNbX38ADh7jBlEwwNUehLJKhESnTj3q13f00fOTYrk8jNmGu1T1ST+JvvOSdSNmpLNroMfy2UFCFYHAE2EXmZ8NM50GG8x0hscNMEjHGFHJUFfXUjaPuSHcpmSIeQM32J00E/QeWvJqx8O3loPnTxrmp3R/tQYoVEnUXQ+L3yfMosmWRZbvVb7TIj/hHaAdHE/lFZVPLAULePibpfERIgc3qPO+ASpiKfYgMW8zGZyaLTKNVt5VYAwPulTMtRXtOrBXZyDKoU+2KF1j7SWJTq04wv9Vfa5BtZKkEJXbZVZan35RzZqiXdIpbBKLe8sUkF6F2dxhm3tz7wHkUGRO2zP8HEyMS5r5jGnDUU6usSZTrVVc3l4hXiPy9xm/9SsMheS/AKe933zfcg=",
            ),
            (
                "ks1",
                "IWpSToOLiRhsXvEhbktJn7K9nGUH9tQb3bLGe7Snm4hXheA6Dnci7kS+3FbLhk3IrxZNQbY3H3CzSPDp4SlJlUbyjfGWUYGz9rwf6lJcjPWE74gAFpa4NHVkSYG1QlzkEEJBStaZbDibBCqNl2AgvyhHOOQNgSbkqT9AoPh7Qu+LY4QOHPOCSaHxsH9DFmHNwKlVY0INy2yrI/zhwxc0JnjsrcCX+gRaDzXK+XwWAu26fj/Pu6aIkGnvPEwf865eAxK7ZHesLC1CJz3yx9zuUoxTWfIP8GpgwUWKmvScCC6xwim55pAZEzoR/eLGOZ603SgbrCr24lT4sT25oZoSF/N0EBlljIMga18+WZXL/OZkQDfQ0pGb0y20+OWWQ2avE51zzCbDUCmy/7KcgM0/aV1CUQ5GEAsKuggKHe0yvMtjAKuQT4i7GweoPchyI+9+nZdX68Bof6IZg+q04vnfHSB9sY8YHpDZ1PEQiFrc1+VisSCTyYa/E8IEUom0cv4V4b/BJXVESiPIRDQDm7d9AJhA6EL/TYhB+i7BIGA5tPwJkM4gbuz0zObtBpeQTlLdTd6zxO9CxACh+oaXH7R+HkO5hNOQWztABLu/WIWG5EarZHo2D9TMiCPWgsQm6L9SoQyHFYQIXq4kF/LuH2KZQa5jPVD5CYSYrup/FzRrtAg=",
            ),
            (
                "vkc",
                "ceDzIefj9ryLN/BKCDUsm7hPOCjPqmVgZY8y2mcxaOifoqJGVhmvUZNLv7vBaU3fsGD5m77ZFwBB1O3Fq1eTJA==",
            ),
            (
                "vks",
                "QZkB12+WblV8Yemw7ld+5rTSAxYiS2KhHuotp1FhoaFWtTfYvufqQsz14OKy0mZJbfRvtIH3X9HSeOwNVOt7VA==",
            ),
        ],
    );
}

#[test]
fn regression_pin_iso_kam3_ec_p521_sha512_ascii() {
    check(
        "iso-kam3-ec-p521-sha512",
        "example.com",
        "testrealm@example.com",
        "alice",
        "wonderland",
        &[
            (
                "pi",
                "620624fddcb244b375dcf0b2ae8aca3942c5ee76c701ae154ced67db6837d9f55deea5cd8530b41a024240630be98586b5a6548fbd176dbc3f50e4f0b78a1d58",
            ),
            (
                "J",
                "011b493413ab3c1308b0f476e50501c71ff6fb04ea5332ad80c335043bb512e6c4b60c5463e2881a0e40be21d41e431e6dd6a3fe76732e97e2b21a5bcbc6b36223ab",
            ),
            (
                "K_c1",
                "03bf9c4c4b472cca2a6f8d9dbfc6f2f7e6f9844b0be3be74872ce29c9f87f3bd375d89b4ed6668b97dee55ebb82bac82c64b40f0da7b8887ddbdebdcc6fce096516f",
            ),
            (
                "t_1",
                "3b6f180f6005aaffb03aa0b77788760ede600aed2a15532417881f4a708bd0666128191beeaa778a38927c0d8addeb8ae2792df44f146737afee4c702cf09a63",
            ),
            (
                "K_s1",
                "01c355fdcd5b503aa3c8ccfeb4303f182020b59b0b26c77ab45d648771d7305f89351209540cda35cc47734655ade6887ef7e5eb356f2fab4c8b920cfe0e9da205fe",
            ),
            (
                "t_2",
                "236993d20422c47431952178162e8c9958e6be21a82d9324f77a22ef669bad3a373a9d1308c18b6ca2bf6607b2b47e022de733729550a943548fb32637f86a72",
            ),
            (
                "z",
                "03e9228299a538a1cd4c6869f7fccbae16aeebec6565c07670d73454a504932cfa046d5bcfaa597dc152fd39a57833aca52045b6ca924c559e7a1fbba3831032544b",
            ),
            (
                "VK_c",
                "7d8fee8f160069869109f9e91df31763219af3ad4eb168f586333c0f45993d20c85b2e3b3478ddd80eab20ca363d860965e83a64ec973b04ffa4a985d2ff9b42",
            ),
            (
                "VK_s",
                "5a247a6ed38ac30dc8a9958ee243be9581c8e720fb99e952e65108dbc64d093e3bcd916e527a31d19a3c00b321671808ec90ba166d3d010ccd9748609c6faa69",
            ),
            (
                "b_1",
                "d03044591c1405f526c46387b9bb4bea4a130f55a0c144950e95c6aba6881418a9e03c45c98d0bc5921cc13e912185d2df2c97ece6ba89ab5d1b1beb52500941",
            ),
            (
                "b_2",
                "41d679382dbcc26a5e2b0156966acb901d80e1504d2ebf1b7854621ba1f5356918640229781d0657bc0e912e3d0302fd879f5e4107e3f39279e815b3bffffed3",
            ),
            ("VI(nc)", "01"),
            ("VS(vh)", "1768747470733a2f2f6578616d706c652e636f6d3a343433"),
            (
                "kc1",
                "03bf9c4c4b472cca2a6f8d9dbfc6f2f7e6f9844b0be3be74872ce29c9f87f3bd375d89b4ed6668b97dee55ebb82bac82c64b40f0da7b8887ddbdebdcc6fce096516f",
            ),
            (
                "ks1",
                "01c355fdcd5b503aa3c8ccfeb4303f182020b59b0b26c77ab45d648771d7305f89351209540cda35cc47734655ade6887ef7e5eb356f2fab4c8b920cfe0e9da205fe",
            ),
            (
                "vkc",
                "7d8fee8f160069869109f9e91df31763219af3ad4eb168f586333c0f45993d20c85b2e3b3478ddd80eab20ca363d860965e83a64ec973b04ffa4a985d2ff9b42",
            ),
            (
                "vks",
                "5a247a6ed38ac30dc8a9958ee243be9581c8e720fb99e952e65108dbc64d093e3bcd916e527a31d19a3c00b321671808ec90ba166d3d010ccd9748609c6faa69",
            ),
        ],
    );
}

#[test]
fn regression_pin_iso_kam3_dl_2048_sha256_utf8() {
    check(
        "iso-kam3-dl-2048-sha256",
        "https://xn--bcher-kva.example",
        "Bücher",
        "Renée",
        "pässwörd ✓",
        &[
            (
                "pi",
                "3d2262187572b0665effbb3fdc9a966be198fb7769b7e8d0f0849a627b024903",
            ),
            (
                "J",
                "aa1851e3b1b3987c4fdc5145c39f06879621c0dbecc5450a0bad40b46c485844bb6a39722086fbb12ae994cc6203bebb9e052cf3ec0213edc786b123a5854663f6343189c70c9d55be3e034d079e553953071d18ea2c9875648b59c74779e6cabc7b1b4078b49d6331a4cf3e6b8d916e01dbc7c7692b3abd8a7b89273af1d8702bee20131e935f2a65d6e99dd40e1fa7cb5cf9770bb39ad3aa3272bee75ea4dddc17496d9bd720a3aa7517395aa524325cdce0981bcaefa393c7c99545dff2052f13ba9baf4a28fdfe330d42f9e0e5f76a1b4aeb7d86b513592802dbb01ee4d69b2a31275b9a3342860e4b9a12c3373f8b35c61e81e7ac72797f035e6cecf59b",
            ),
            (
                "K_c1",
                "0b891dec6a485f0f2a686501f5da45875549ba717dd67a528b2567c0dcf30129345a7fe29790244a91e251e077f28e76ff3f677bfd327cff0e0833265b1e9b5b4f9456da4b1cadacc33ec72b0224eeb915b3e2c824256ade4d01078f8e2455bd260e5fc83992a6f8119bf5861949a79b5d4355c667530aa4184c0ff1d4b27389f6175593040e3560c5129d241fc3b0af94a7178c4568b3ba47a2b1315d68148dd3e806883d92d6a9936a7182912035263b11c59f65019659713bb964b9070218d8be302b8a9bbdec259bb0c41ecb0607b2d3a33f35bd25ee637f1165bfb7d1f8cb0e68c4241cff1a96af8d592f078f8821d20575346d9a6af3a589452929c16c",
            ),
            (
                "t_1",
                "bc8cb382fcd91eb09631780b9fa0d6de8af85343f99aa981826f98b1cfeb696c",
            ),
            (
                "K_s1",
                "ffa45f2be6905ee5e7975ac73bdf72d4ca1675a4ef71fd11115d09081cec2ef8fb108507e14063abae116b1faa31ed171dd9859cdeb8078bbaf33760616db1b1fe647f69823ae3beca0ac6325f94e2e1a6ed4777ad45f33597a088599ab11ea5e7e50996e1687bb37e639626d255f12dddfa4a36c7485801e4cab3054681860c6ee030b4ad804a8077cb0c8a13ec339465f1f804d4fe53bebedd177d326d4eb612879f5164767e7ddeb8023d3e5ee1330b9383371a77ce0881418a56af1a4421005ff73f4b11a869122b6aa5ed6ca64247a3a29fff212e70442df3ff6e29102900c11a9c351518987d96e562f5a6618e04125784d859e353bad5908b0edcfc87",
            ),
            (
                "t_2",
                "a3a1fc0914fa8e9aefdf6fa0106ea0ac15e00bc9b1a8af7a959e4d6d59115ef8",
            ),
            (
                "z",
                "b60d31e205119ff25b01c0b0a556a9ccb360279f152b0bcc7fe9b9f4f26316a43c2ce7319cd361b0dc9bb9dd98673662dd0bdbb00e0dff6dfe1227c02ffc2450e9777d3e7e90530f349ffa883ec3efed91e4b1dab905035ea67e96ea808f00caf5ee637365d9fd4b6d3805c53643e1d790e9572f157eda5417a26dbff91ce75430c10090228257c5a9ca5faece87df5b00ab101c2649342945fcd433c7ac7337d32d4a0ae0d024341f5c2e8ec8bc671d372974670312f0dc304610a4ba38ab5cade21d3880cef0357467682d401592f7e1e0c408ed00c839b7efd38df4083cbc85e1755bf7a1daabaa134a141e27b66ba75ab2a5e5b10758da897a9b00861785",
            ),
            (
                "VK_c",
                "6eb9b9e6e07d0d522e3aa6f14f232b164c87494267ebd51006b54af7590cc382",
            ),
            (
                "VK_s",
                "e66ab6dfb868f3399f0ffbabb733f039db2a6f1c2e3218c7f14e594bf3ba0a43",
            ),
            (
                "b_1",
                "9dcec87ea0bf8b7126b40f6812df588c0aed956aa702c5997773ae0465010f0a",
            ),
            (
                "b_2",
                "eed2071c377e64244fe6ea59df7db014c77f02fb695733b449e7e57a34eb87af",
            ),
            ("VI(nc)", "01"),
            ("VS(vh)", "1768747470733a2f2f6578616d706c652e636f6d3a343433"),
            (
                "kc1",
                "C4kd7GpIXw8qaGUB9dpFh1VJunF91npSiyVnwNzzASk0Wn/il5AkSpHiUeB38o52/z9ne/0yfP8OCDMmWx6bW0+UVtpLHK2swz7HKwIk7rkVs+LIJCVq3k0BB4+OJFW9Jg5fyDmSpvgRm/WGGUmnm11DVcZnUwqkGEwP8dSyc4n2F1WTBA41YMUSnSQfw7CvlKcXjEVos7pHorExXWgUjdPoBog9ktapk2pxgpEgNSY7EcWfZQGWWXE7uWS5BwIY2L4wK4qbvewlm7DEHssGB7LToz81vSXuY38RZb+30fjLDmjEJBz/GpavjVkvB4+IIdIFdTRtmmrzpYlFKSnBbA==",
            ),
            (
                "ks1",
                "/6RfK+aQXuXnl1rHO99y1MoWdaTvcf0REV0JCBzsLvj7EIUH4UBjq64Rax+qMe0XHdmFnN64B4u68zdgYW2xsf5kf2mCOuO+ygrGMl+U4uGm7Ud3rUXzNZegiFmasR6l5+UJluFoe7N+Y5Ym0lXxLd36SjbHSFgB5MqzBUaBhgxu4DC0rYBKgHfLDIoT7DOUZfH4BNT+U76+3Rd9Mm1OthKHn1Fkdn593rgCPT5e4TMLk4M3GnfOCIFBilavGkQhAF/3P0sRqGkSK2ql7WymQkejop//IS5wRC3z/24pECkAwRqcNRUYmH2W5WL1pmGOBBJXhNhZ41O61ZCLDtz8hw==",
            ),
            ("vkc", "brm55uB9DVIuOqbxTyMrFkyHSUJn69UQBrVK91kMw4I="),
            ("vks", "5mq237ho8zmfD/urtzPwOdsqbxwuMhjH8U5ZS/O6CkM="),
        ],
    );
}

#[test]
fn regression_pin_iso_kam3_ec_p256_sha256_utf8() {
    check(
        "iso-kam3-ec-p256-sha256",
        "*.example.org",
        "ユーザー領域",
        "Jane Doe",
        "Ｐass",
        &[
            (
                "pi",
                "d24cff111c142d44f7d85f1dcfc7bb81423ca671071ae49c8f58b6ab2da34eb3",
            ),
            (
                "J",
                "00afa17a3d74d3242e65cec1854c5e00421a2d7921c144b84dd58acf166f4b7eb1",
            ),
            (
                "K_c1",
                "001b6965df5528394bbbcbe80e44dcd51fcf740ecf62d0c0aab38514a2aec1ae4d",
            ),
            (
                "t_1",
                "07a6c5ed75cef6b7a64ad3922c9baf618225c89bf14cc47305b0ca4789689457",
            ),
            (
                "K_s1",
                "01f045e59a39805ed88b4a0e8ceefa6b9f3475298fbc7ccac91a234073eef16c2b",
            ),
            (
                "t_2",
                "f4121f11cf20391ccac083a0966663c9053122a0c46f016f417a948edef5228b",
            ),
            (
                "z",
                "0077a0f2ecfce6af6b42868cec0ad70d079c12a3ab91ad6d08421258038eab60d3",
            ),
            (
                "VK_c",
                "5a4d7447d1ba2af0477a15644964464618cf8d4147eaa598fd475505ee0e9d00",
            ),
            (
                "VK_s",
                "8dce63730f7e223206c487a287f041d66cdbde2a7dcb1ad7019f4685514f4185",
            ),
            (
                "b_1",
                "23dbe557bab063357e37adea7fe69298ea34f3d3b4305b2b7e30654c74f0fafa",
            ),
            (
                "b_2",
                "c81ca2d66a06b43e097dc0f6f7666f7bec83988910907b5ffecd3b0c03497a3b",
            ),
            ("VI(nc)", "01"),
            ("VS(vh)", "1768747470733a2f2f6578616d706c652e636f6d3a343433"),
            (
                "kc1",
                "001b6965df5528394bbbcbe80e44dcd51fcf740ecf62d0c0aab38514a2aec1ae4d",
            ),
            (
                "ks1",
                "01f045e59a39805ed88b4a0e8ceefa6b9f3475298fbc7ccac91a234073eef16c2b",
            ),
            (
                "vkc",
                "5a4d7447d1ba2af0477a15644964464618cf8d4147eaa598fd475505ee0e9d00",
            ),
            (
                "vks",
                "8dce63730f7e223206c487a287f041d66cdbde2a7dcb1ad7019f4685514f4185",
            ),
        ],
    );
}
