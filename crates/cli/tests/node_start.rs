//! `unchain node` fails loudly: when it cannot start, it exits non-zero with a message that
//! names what failed, instead of logging and exiting 0.

mod common;

use common::{Chain, bin};
use std::process::Command;
use std::time::Duration;

/// Runs `unchain node` on `chain`'s config with its API address set to `api`; returns the
/// exit status and what it printed. Kills it after 60 s (it should stop long before).
fn run_node_with_api(chain: &Chain, api: &str) -> (Option<i32>, String) {
    let config = std::fs::read_to_string(chain.config()).expect("config");
    let config = config
        .lines()
        .map(|l| {
            if l.starts_with("api_listen") {
                format!("api_listen = \"{api}\"")
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(chain.config(), config).expect("write config");
    let mut child = Command::new(bin())
        .args(["--log", "info", "node", "--config"])
        .arg(chain.config())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start unchain node");
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while child.try_wait().expect("wait").is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = child.wait_with_output().expect("output");
    (
        out.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn a_node_whose_api_port_is_taken_exits_non_zero_naming_the_address() {
    let chain = Chain::init(&["th-police:TH"]);
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    let (code, out) = run_node_with_api(&chain, &addr);
    assert!(
        code.is_some_and(|c| c != 0),
        "exit {code:?} on a taken port: {out}"
    );
    assert!(
        out.contains(&format!("cannot listen for the API on {addr}")),
        "the message names the address: {out}"
    );
    // Its log went to a pipe: plain text, no terminal colour codes.
    assert!(out.contains(" INFO ") && !out.contains('\u{1b}'), "{out:?}");
    drop(taken);
}
