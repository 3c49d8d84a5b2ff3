//! Where a command's output files go: a path, or `-` for standard output, so every
//! `--out`, `--json` and `--csv` can feed a pipe.

use anyhow::Context as _;
use std::io::Write;
use std::path::Path;

/// An output being written: a file, or standard output.
pub(crate) type Sink = Box<dyn Write + Send>;

/// Whether `path` means standard output (`-`).
pub(crate) fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// `path` for a message: the path, or "standard output".
pub(crate) fn shown(path: &Path) -> String {
    if is_stdout(path) {
        "standard output".into()
    } else {
        path.display().to_string()
    }
}

/// Standard output that ends the process quietly, with status 141, once its reader has
/// gone (`| head`), as `println!` does under `unchain_verify::exit::quiet_on_closed_stdout`:
/// a closed pipe is not an error to report.
struct Stdout;

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        reader_gone_ends(std::io::stdout().write(buf))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        reader_gone_ends(std::io::stdout().flush())
    }
}

fn reader_gone_ends<T>(r: std::io::Result<T>) -> std::io::Result<T> {
    if let Err(e) = &r
        && e.kind() == std::io::ErrorKind::BrokenPipe
    {
        std::process::exit(141);
    }
    r
}

/// Opens `path` for writing (created or truncated), or standard output for `-`.
pub(crate) fn create(path: &Path) -> anyhow::Result<Sink> {
    if is_stdout(path) {
        return Ok(Box::new(Stdout));
    }
    let file =
        std::fs::File::create(path).with_context(|| format!("writing {}", path.display()))?;
    Ok(Box::new(file))
}

/// Writes `bytes` to `path`, or to standard output for `-`.
pub(crate) fn write(path: &Path, bytes: impl AsRef<[u8]>) -> anyhow::Result<()> {
    let mut sink = create(path)?;
    sink.write_all(bytes.as_ref())
        .and_then(|()| sink.flush())
        .with_context(|| format!("writing {}", shown(path)))
}

/// Where a command's human-readable table goes: standard error when one of its files
/// takes standard output (`piped`, from [`one_on_stdout`]), else standard output.
pub(crate) fn table(piped: bool) -> Box<dyn Write> {
    if piped {
        Box::new(std::io::stderr())
    } else {
        Box::new(Stdout)
    }
}

/// Refuses two outputs that would both go to standard output; whether one does.
pub(crate) fn one_on_stdout<'a>(
    outputs: impl IntoIterator<Item = (&'a str, Option<&'a Path>)>,
) -> anyhow::Result<bool> {
    let on: Vec<&str> = outputs
        .into_iter()
        .filter(|(_, p)| p.is_some_and(is_stdout))
        .map(|(name, _)| name)
        .collect();
    anyhow::ensure!(
        on.len() <= 1,
        "{} name standard output (-): at most one output can go there",
        on.join(" and ")
    );
    Ok(!on.is_empty())
}
