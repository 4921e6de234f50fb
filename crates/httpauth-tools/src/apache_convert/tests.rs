//! Unit tests of the converter: the merge, each directive family, and the report.

use super::*;

fn conv(text: &str) -> Conversion {
    convert(text, &Options::default()).unwrap()
}

fn report(c: &Conversion) -> Vec<String> {
    c.report("t.conf").lines().map(str::to_owned).collect()
}

#[test]
fn location_with_basic_and_groups() {
    let c = conv(
        "<Location /admin>\n  AuthType Basic\n  AuthName \"Admins\"\n  AuthUserFile /etc/htpasswd\n  AuthGroupFile /etc/groups\n  Require group admins\n</Location>\n",
    );
    assert_eq!(
        c.toml.split_once("[[location]]\n").unwrap().1,
        "# from <Location /admin> (line 1)\npath = \"/admin\"\nschemes = [\"Basic\"]\nrealm = \"Admins\"\nuser_file = \"/etc/htpasswd\"\ngroup_file = \"/etc/groups\"\nrequire = [\"group admins\"]\n"
    );
    assert!(c.findings.is_empty(), "{:?}", c.findings);
    assert!(c.is_complete());
}
