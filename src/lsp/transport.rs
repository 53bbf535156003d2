//! JSON-RPC over stdio with LSP's `Content-Length` framing, made to survive bad
//! input: a message that is not JSON, a header that is not a header (or not
//! UTF-8), or a length beyond [`MAX_MESSAGE`] is reported to the client
//! (`window/logMessage`) and skipped, its body read past without being held;
//! the server keeps running. (lsp-server's own stdio transport
//! ends the connection on the first malformed message.)

use crossbeam_channel::{Receiver, Sender, bounded, unbounded};
use lsp_server::{Message, Notification};
use std::io::{self, BufRead, Read, Write};
use std::thread;

/// Larger messages are skipped (read and discarded), never allocated.
pub const MAX_MESSAGE: usize = 64 << 20;

/// What came in on the wire.
pub enum Incoming {
    Message(Message),
    /// Something unreadable was skipped; the text says what.
    Malformed(String),
}

/// Reads one framed message. `Ok(None)` at end of input; `Ok(Some(Err(_)))`
/// for a message that was skipped (a header that is not a header, not UTF-8,
/// a missing or bad `Content-Length`, a length over [`MAX_MESSAGE`]). When the
/// header gave a usable length, the body is read past even if another header
/// line was bad, so that the next message is read from its start.
pub fn read_frame(input: &mut impl BufRead) -> io::Result<Option<Result<Vec<u8>, String>>> {
    let mut length: Option<usize> = None;
    let mut bad_header = None;
    let mut saw_any = false;
    loop {
        // Bytes, not a `String`: one byte that is not UTF-8 must not end the
        // server (`read_line` fails on it). A header line longer than this is
        // not a header.
        let mut raw = Vec::new();
        let n = input.by_ref().take(8192).read_until(b'\n', &mut raw)?;
        if n == 0 {
            return Ok(if saw_any {
                Some(Err("end of input inside a message header".into()))
            } else {
                None
            });
        }
        saw_any = true;
        let line = String::from_utf8_lossy(&raw);
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            break;
        }
        if std::str::from_utf8(&raw).is_err() {
            bad_header = Some(format!("header line is not UTF-8: `{}`", truncate(line, 80)));
            continue;
        }
        match line.split_once(':') {
            Some((name, value)) if name.eq_ignore_ascii_case("content-length") => {
                match value.trim().parse::<usize>() {
                    Ok(v) => length = Some(v),
                    Err(_) => bad_header = Some(format!("bad Content-Length `{}`", truncate(value.trim(), 80))),
                }
            }
            Some(_) => {} // Content-Type and others
            None => bad_header = Some(format!("not a header: `{}`", truncate(line, 80))),
        }
    }
    let Some(length) = length else {
        return Ok(Some(Err(bad_header.unwrap_or_else(|| "message without Content-Length".into()))));
    };
    if length > MAX_MESSAGE {
        // Read past, never allocated.
        io::copy(&mut input.by_ref().take(length as u64), &mut io::sink())?;
        return Ok(Some(Err(format!(
            "message of {length} bytes skipped (limit {MAX_MESSAGE})"
        ))));
    }
    if let Some(problem) = bad_header {
        io::copy(&mut input.by_ref().take(length as u64), &mut io::sink())?;
        return Ok(Some(Err(problem)));
    }
    let mut buf = vec![0; length];
    input.read_exact(&mut buf)?;
    Ok(Some(Ok(buf)))
}

fn truncate(s: &str, max: usize) -> &str {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Parses a frame's body into a message, or says why not.
pub fn parse(body: &[u8]) -> Incoming {
    match serde_json::from_slice::<Message>(body) {
        Ok(message) => Incoming::Message(message),
        Err(e) => Incoming::Malformed(format!("not a JSON-RPC message: {e}")),
    }
}

pub fn write_message(out: &mut impl Write, message: &Message) -> io::Result<()> {
    message.write(out)
}

/// Starts the reader and writer threads over stdin/stdout.
pub fn stdio() -> (Sender<Message>, Receiver<Incoming>, thread::JoinHandle<()>) {
    let (in_tx, in_rx) = bounded::<Incoming>(64);
    let (out_tx, out_rx) = unbounded::<Message>();
    thread::spawn(move || {
        let stdin = io::stdin();
        let mut input = stdin.lock();
        loop {
            let incoming = match read_frame(&mut input) {
                Ok(None) | Err(_) => break,
                Ok(Some(Ok(body))) => parse(&body),
                Ok(Some(Err(problem))) => Incoming::Malformed(problem),
            };
            if in_tx.send(incoming).is_err() {
                break;
            }
        }
    });
    let writer = thread::spawn(move || {
        let stdout = io::stdout();
        let mut out = stdout.lock();
        for message in out_rx {
            if write_message(&mut out, &message).is_err() {
                break;
            }
        }
    });
    (out_tx, in_rx, writer)
}

/// A `window/logMessage` notification.
pub fn log(kind: lsp_types::MessageType, message: String) -> Message {
    Message::Notification(Notification::new(
        "window/logMessage".into(),
        lsp_types::LogMessageParams {
            typ: kind,
            message,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_survive_garbage() {
        let good = r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;
        let input = format!(
            "garbage line\r\n\r\nContent-Length: 3\r\n\r\n{{x}}Content-Length: 99999999999\r\n\r\nContent-Length: {}\r\n\r\n{good}",
            good.len()
        );
        let mut r = io::BufReader::new(input.as_bytes());
        assert!(matches!(read_frame(&mut r), Ok(Some(Err(e))) if e.contains("not a header")));
        let body = read_frame(&mut r).unwrap().unwrap().unwrap();
        assert!(matches!(parse(&body), Incoming::Malformed(_)));
        // A huge length is skipped without allocating (here it eats the rest).
        assert!(matches!(read_frame(&mut r), Ok(Some(Err(e))) if e.contains("skipped")));
        assert!(matches!(read_frame(&mut r), Ok(None)));
        let mut r = io::BufReader::new(format!("Content-Length: {}\r\n\r\n{good}", good.len()).into_bytes().leak() as &[u8]);
        let body = read_frame(&mut r).unwrap().unwrap().unwrap();
        assert!(matches!(parse(&body), Incoming::Message(Message::Notification(_))));
    }

    #[test]
    fn headers_that_are_not_utf8_are_skipped() {
        let good = r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;
        let mut input: Vec<u8> = b"X-Junk: \xff\xfe\r\n\r\n".to_vec();
        // A bad line beside a good length: the body is read past too.
        input.extend_from_slice(b"Content-Length: 7\r\nContent-Type: \xc3(\r\n\r\n{\"a\":1}");
        input.extend_from_slice(format!("Content-Length: \u{e9}\r\n\r\nContent-Length: {}\r\n\r\n{good}", good.len()).as_bytes());
        let mut r = io::BufReader::new(&input[..]);
        assert!(matches!(read_frame(&mut r), Ok(Some(Err(e))) if e.contains("not UTF-8")));
        assert!(matches!(read_frame(&mut r), Ok(Some(Err(e))) if e.contains("not UTF-8")));
        assert!(matches!(read_frame(&mut r), Ok(Some(Err(e))) if e.contains("bad Content-Length")));
        let body = read_frame(&mut r).unwrap().unwrap().unwrap();
        assert!(matches!(parse(&body), Incoming::Message(Message::Notification(_))));
        assert!(matches!(read_frame(&mut r), Ok(None)));
    }
}
