//! Exit codes by name, for people: every human-facing output of Skyr (the command line,
//! traces, the devnet's explanations, chain errors) prints an exit code one way,
//! `7 (SYS_OUT_OF_GAS)`, through [`exit_label`]; JSON carries [`exit_code_name`] beside the
//! number.

/// An exit code as every human-facing output of Skyr prints it: `7 (SYS_OUT_OF_GAS)`, or
/// the bare number for codes without a name (actor-specific ones).
pub fn exit_label(code: u32) -> String {
    match exit_code_name(code) {
        Some(n) => format!("{code} ({n})"),
        None => code.to_string(),
    }
}

/// The name fvm_shared gives an exit code (`SYS_OUT_OF_GAS`, `USR_NOT_FOUND`, ...), or
/// `None` for codes it does not name (actor-specific codes from 32 on, reserved ones).
pub fn exit_code_name(code: u32) -> Option<&'static str> {
    Some(match code {
        0 => "OK",
        1 => "SYS_SENDER_INVALID",
        2 => "SYS_SENDER_STATE_INVALID",
        4 => "SYS_ILLEGAL_INSTRUCTION",
        5 => "SYS_INVALID_RECEIVER",
        6 => "SYS_INSUFFICIENT_FUNDS",
        7 => "SYS_OUT_OF_GAS",
        9 => "SYS_ILLEGAL_EXIT_CODE",
        10 => "SYS_ASSERTION_FAILED",
        11 => "SYS_MISSING_RETURN",
        16 => "USR_ILLEGAL_ARGUMENT",
        17 => "USR_NOT_FOUND",
        18 => "USR_FORBIDDEN",
        19 => "USR_INSUFFICIENT_FUNDS",
        20 => "USR_ILLEGAL_STATE",
        21 => "USR_SERIALIZATION",
        22 => "USR_UNHANDLED_MESSAGE",
        23 => "USR_UNSPECIFIED",
        24 => "USR_ASSERTION_FAILED",
        25 => "USR_READ_ONLY",
        26 => "USR_NOT_PAYABLE",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_print_with_their_names() {
        assert_eq!(exit_code_name(7), Some("SYS_OUT_OF_GAS"));
        assert_eq!(exit_code_name(33), None);
        assert_eq!(exit_label(0), "0 (OK)");
        assert_eq!(exit_label(7), "7 (SYS_OUT_OF_GAS)");
        assert_eq!(exit_label(33), "33");
    }
}
