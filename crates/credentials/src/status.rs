//! Token Status List (IETF draft-ietf-oauth-status-list): a credential names an index in
//! its issuer's list (`status.status_list.idx`), and the list holds 2 bits per index,
//! least significant bits first, DEFLATE-compressed in a zlib stream, base64url-encoded
//! as `lst`.

use crate::jose::{b64, unb64};
use flate2::Compression;
use flate2::read::ZlibDecoder;
use flate2::write::ZlibEncoder;
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};

/// Bits per status in the lists this code writes.
pub const BITS: u8 = 2;

/// Statuses per list this code writes: 2^17 (32 KiB uncompressed).
pub const CAPACITY: u32 = 1 << 17;

/// Largest list accepted when reading, uncompressed, in bytes (guards against zip bombs).
pub const MAX_BYTES: usize = 1 << 20;

/// A credential's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 0x00: valid.
    Valid,
    /// 0x01 (`INVALID`): revoked for good.
    Revoked,
    /// 0x02: suspended; may become valid again.
    Suspended,
}

impl Status {
    /// The value in a list.
    pub fn code(self) -> u8 {
        match self {
            Status::Valid => 0,
            Status::Revoked => 1,
            Status::Suspended => 2,
        }
    }

    /// The status a list value means (0x03, application-specific, reads as revoked: this
    /// code never writes it, and unknown must not read as valid).
    pub fn from_code(code: u8) -> Status {
        match code {
            0 => Status::Valid,
            2 => Status::Suspended,
            _ => Status::Revoked,
        }
    }
}

/// Why a status list was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatusListError {
    /// `bits` is not 1, 2, 4 or 8.
    #[error("bits is {0}; it must be 1, 2, 4 or 8")]
    Bits(u8),
    /// `lst` is not base64url or not a zlib stream.
    #[error("lst: {0}")]
    Lst(String),
}

/// A status list, uncompressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusList {
    bits: u8,
    bytes: Vec<u8>,
}

/// A status list as JSON: `{"bits": 2, "lst": "eNo…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncodedList {
    /// Bits per status.
    pub bits: u8,
    /// base64url(zlib(bytes)).
    pub lst: String,
}

impl StatusList {
    /// An all-valid list of [`CAPACITY`] statuses of [`BITS`] bits.
    pub fn new() -> StatusList {
        StatusList {
            bits: BITS,
            bytes: vec![0; (CAPACITY as usize * BITS as usize).div_ceil(8)],
        }
    }

    /// How many statuses it holds.
    pub fn len(&self) -> u32 {
        (self.bytes.len() * 8 / self.bits as usize) as u32
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The raw value at `idx` (`None` past the end).
    pub fn get(&self, idx: u32) -> Option<u8> {
        let bit = idx as usize * self.bits as usize;
        let byte = self.bytes.get(bit / 8)?;
        let mask = ((1u16 << self.bits) - 1) as u8;
        Some((byte >> (bit % 8)) & mask)
    }

    /// The status at `idx`; past the end reads as revoked (never as valid).
    pub fn status(&self, idx: u32) -> Status {
        self.get(idx).map_or(Status::Revoked, Status::from_code)
    }

    /// Sets the value at `idx`. Panics past the end or on a value wider than `bits`.
    pub fn set(&mut self, idx: u32, value: u8) {
        let mask = ((1u16 << self.bits) - 1) as u8;
        assert!(
            value <= mask,
            "status value {value} does not fit {} bits",
            self.bits
        );
        let bit = idx as usize * self.bits as usize;
        let byte = &mut self.bytes[bit / 8];
        *byte = (*byte & !(mask << (bit % 8))) | (value << (bit % 8));
    }

    /// The JSON form.
    pub fn encode(&self) -> EncodedList {
        let mut z = ZlibEncoder::new(Vec::new(), Compression::best());
        z.write_all(&self.bytes).expect("writing to memory");
        EncodedList {
            bits: self.bits,
            lst: b64(&z.finish().expect("writing to memory")),
        }
    }

    /// Reads the JSON form.
    pub fn decode(e: &EncodedList) -> Result<StatusList, StatusListError> {
        if ![1, 2, 4, 8].contains(&e.bits) {
            return Err(StatusListError::Bits(e.bits));
        }
        let z = unb64(&e.lst).ok_or_else(|| StatusListError::Lst("not base64url".into()))?;
        let mut bytes = Vec::new();
        ZlibDecoder::new(&z[..])
            .take(MAX_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|err| StatusListError::Lst(format!("not a zlib stream ({err})")))?;
        if bytes.len() > MAX_BYTES {
            return Err(StatusListError::Lst(format!(
                "decompresses past {MAX_BYTES} bytes"
            )));
        }
        Ok(StatusList {
            bits: e.bits,
            bytes,
        })
    }
}

impl Default for StatusList {
    fn default() -> Self {
        StatusList::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_drafts_examples_decode() {
        // draft-ietf-oauth-status-list, section 4.1: the 1-bit and 2-bit examples.
        let one = StatusList::decode(&EncodedList {
            bits: 1,
            lst: "eNrbuRgAAhcBXQ".into(),
        })
        .expect("decodes");
        let want1 = [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1];
        assert_eq!(
            (0..16)
                .map(|i| one.get(i).expect("in range"))
                .collect::<Vec<_>>(),
            want1
        );
        let two = StatusList::decode(&EncodedList {
            bits: 2,
            lst: "eNo76fITAAPfAgc".into(),
        })
        .expect("decodes");
        let want2 = [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3];
        assert_eq!(
            (0..12)
                .map(|i| two.get(i).expect("in range"))
                .collect::<Vec<_>>(),
            want2
        );
    }

    #[test]
    fn set_get_and_round_trip() {
        let mut l = StatusList::new();
        assert_eq!(l.len(), CAPACITY);
        l.set(0, 1);
        l.set(5, 2);
        l.set(CAPACITY - 1, 1);
        l.set(5, 0);
        l.set(6, 2);
        let back = StatusList::decode(&l.encode()).expect("round trip");
        assert_eq!(back, l);
        assert_eq!(back.status(0), Status::Revoked);
        assert_eq!(back.status(5), Status::Valid);
        assert_eq!(back.status(6), Status::Suspended);
        assert_eq!(
            back.status(CAPACITY),
            Status::Revoked,
            "past the end is never valid"
        );
        assert!(
            l.encode().lst.len() < 200,
            "an almost empty list compresses"
        );
    }

    #[test]
    fn bombs_and_garbage_are_refused() {
        let big = StatusList {
            bits: 1,
            bytes: vec![0; MAX_BYTES + 1],
        };
        let err = StatusList::decode(&big.encode()).expect_err("too large");
        assert!(err.to_string().contains("decompresses past"), "{err}");
        assert!(
            StatusList::decode(&EncodedList {
                bits: 3,
                lst: String::new()
            })
            .is_err()
        );
        assert!(
            StatusList::decode(&EncodedList {
                bits: 2,
                lst: "AAAA".into()
            })
            .is_err()
        );
    }
}
