//! Helpers shared by the tests that drive `httpauth-ca`.

/// The `serial: XXXX` line of `httpauth-ca issue`.
pub(crate) fn serial_of(issue_out: &str) -> String {
    issue_out
        .lines()
        .find_map(|l| l.strip_prefix("serial: "))
        .expect("serial line")
        .to_owned()
}
