//! How the command-line front ends end: a person's message, never a backtrace, and a
//! status a script can tell apart:
//!
//! | status | meaning |
//! | --- | --- |
//! | 0 | done; a check's verdict is VALID |
//! | 1 | failed: bad input, a file or node that cannot be read, a bundle or proof that does not verify (the message says which) |
//! | 2 | usage: an unknown command, option or value (clap's status) |
//! | 3 | [`NOT_VALID`]: a check ran to its end and its verdict is not VALID (`border check`, `verify presentation`) |
//! | 141 | standard output closed early (a pipe into `head`) |

/// The status of a check whose verdict is anything but VALID: not an error (the verdict is
/// printed), and not a usage error (2).
pub const NOT_VALID: i32 = 3;

/// Output piped into a reader that stops early (`unchain verify … | head -1`) is not a
/// crash: end quietly, with the status a shell gives a process killed by SIGPIPE, instead
/// of printing a panic and a backtrace. Every other panic goes to the default hook.
pub fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info);
    }));
}

/// Prints `e` and its causes, one per line, and returns the failure status; never a
/// backtrace, whatever `RUST_BACKTRACE` says: this is a message for a person.
pub fn report(e: &anyhow::Error) -> std::process::ExitCode {
    eprintln!("Error: {e}");
    for cause in e.chain().skip(1) {
        eprintln!("  caused by: {cause}");
    }
    std::process::ExitCode::FAILURE
}
