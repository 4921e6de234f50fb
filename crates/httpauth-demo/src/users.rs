//! The demo users, written with `authfile` into htpasswd, htdigest, htmutual and group
//! files on first run.

use crate::Error;
use authfile::{
    DigestHash, GroupFile, HashAlgorithm, HtdigestFile, HtmutualFile, HtpasswdFile, MutualKey,
    Password,
};
use httpauth::MutualCoreDeriver;
use std::path::Path;

/// A demo user: name, password, groups.
#[derive(Debug, Clone, Copy)]
pub struct DemoUser {
    /// User name.
    pub name: &'static str,
    /// Password (published in the README: this is a demo).
    pub password: &'static str,
    /// Groups.
    pub groups: &'static [&'static str],
}

/// The demo users.
pub const DEMO_USERS: [DemoUser; 2] = [
    DemoUser {
        name: "alice",
        password: "wonderland",
        groups: &["admins", "staff"],
    },
    DemoUser {
        name: "bob",
        password: "builder",
        groups: &["staff"],
    },
];

/// The realm of the embedded configuration.
pub const DEMO_REALM: &str = "httpauth-demo";

/// Hosts the demo's Mutual verifiers are derived for (single-host auth-scope, RFC 8120
/// section 5): J depends on the host name the client uses.
pub const DEMO_MUTUAL_HOSTS: [&str; 2] = ["127.0.0.1", "localhost"];

/// File names, relative to the data directory.
pub mod files {
    /// htpasswd.
    pub const HTPASSWD: &str = "htpasswd";
    /// htpasswd of the demo certificates' one-line DNs for `SSLOptions +FakeBasicAuth`.
    /// Kept apart from [`HTPASSWD`]: a password location must never accept a
    /// certificate-derived record (mod_ssl's documentation puts them in the same file;
    /// the Basic scheme refuses such credentials anyway, with 403).
    pub const FAKE_BASIC: &str = "htpasswd-certificates";
    /// htdigest.
    pub const HTDIGEST: &str = "htdigest";
    /// htmutual.
    pub const HTMUTUAL: &str = "htmutual";
    /// Group file.
    pub const GROUPS: &str = "groups";
}

/// Writes any missing demo user file into `data_dir`. `fake_basic_dns` are one-line DNs
/// of the demo client certificates, written with mod_ssl's FakeBasicAuth password to
/// their own file ([`files::FAKE_BASIC`]), never to the password users' htpasswd. `bcrypt_cost` is the htpasswd cost (10 for the demo; tests use 4).
///
/// # Errors
/// [`Error::AuthFile`] or [`Error::Io`].
pub fn ensure(data_dir: &Path, fake_basic_dns: &[String], bcrypt_cost: u32) -> Result<(), Error> {
    let p = data_dir.join(files::HTPASSWD);
    if !p.exists() {
        let mut f = HtpasswdFile::new();
        for u in DEMO_USERS {
            f.set_password(
                u.name,
                &Password::from(u.password),
                HashAlgorithm::Bcrypt { cost: bcrypt_cost },
            )?;
        }
        crate::pki::write_file(&p, &f.to_bytes(), true)?;
    }
    let p = data_dir.join(files::FAKE_BASIC);
    if !p.exists() {
        let mut f = HtpasswdFile::new();
        for dn in fake_basic_dns {
            f.set_password(
                dn,
                &Password::from(cert_policy::FAKE_BASIC_PASSWORD),
                HashAlgorithm::Bcrypt { cost: bcrypt_cost },
            )?;
        }
        crate::pki::write_file(&p, &f.to_bytes(), true)?;
    }
    let p = data_dir.join(files::HTDIGEST);
    if !p.exists() {
        let mut f = HtdigestFile::new();
        for u in DEMO_USERS {
            for h in [DigestHash::Md5, DigestHash::Sha256] {
                f.set_password(u.name, DEMO_REALM, &Password::from(u.password), h, false)?;
            }
        }
        crate::pki::write_file(&p, &f.to_bytes(), true)?;
    }
    let p = data_dir.join(files::GROUPS);
    if !p.exists() {
        let mut f = GroupFile::new();
        for u in DEMO_USERS {
            for g in u.groups {
                f.add_member(g, u.name)?;
            }
        }
        crate::pki::write_file(&p, &f.to_bytes(), false)?;
    }
    let p = data_dir.join(files::HTMUTUAL);
    if !p.exists() {
        let mut f = HtmutualFile::new();
        for u in DEMO_USERS {
            for alg in mutual_core::ALL_ALGORITHMS {
                for host in DEMO_MUTUAL_HOSTS {
                    let key = MutualKey {
                        user: u.name.to_owned(),
                        algorithm: alg.token().to_owned(),
                        auth_scope: host.to_owned(),
                        realm: DEMO_REALM.to_owned(),
                    };
                    f.set_password(key, &Password::from(u.password), &MutualCoreDeriver)?;
                }
            }
        }
        crate::pki::write_file(&p, &f.to_bytes(), true)?;
    }
    Ok(())
}
