//! How the command-line front ends end: a person's message, never a backtrace.

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
