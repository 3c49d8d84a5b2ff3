//! Attachments from the public: recognised by their bytes (never by the name or type the
//! browser claims), with the metadata that can identify a reporter removed before sealing.
//!
//! - **JPEG**: every APPn segment but JFIF (APP0), the ICC profile (APP2 `ICC_PROFILE`)
//!   and Adobe's colour transform (APP14) is dropped — EXIF with its GPS position, camera
//!   serial and time (APP1), XMP (APP1), IPTC (APP13), maker notes — and every comment.
//! - **PNG**: `eXIf`, `tEXt`, `zTXt`, `iTXt` and `tIME` chunks are dropped.
//! - **PDF**: the document information strings (author, creator, producer, title,
//!   subject, keywords, dates) and uncompressed XMP packets are blanked in place, keeping
//!   every byte offset the cross-reference table points to. A PDF that keeps such
//!   metadata inside compressed streams, where it cannot be blanked without rewriting the
//!   file, is refused with a message saying so.
//!
//! Everything else (HEIC, WebP, Word files, archives) is refused, naming what was found.

use bytes::Bytes;
use img_parts::jpeg::Jpeg;
use img_parts::png::Png;

/// Why an attachment was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StripError {
    /// Not a JPEG, PNG or PDF.
    #[error("is not a JPEG or PNG image or a PDF ({0}); send a photo, screenshot or PDF")]
    Unsupported(&'static str),
    /// Recognised, but broken.
    #[error("looks like a {0} but cannot be read: {1}")]
    Broken(&'static str, String),
    /// A PDF whose metadata sits in compressed streams.
    #[error(
        "this PDF keeps author or device details in compressed parts that cannot be removed here; send a screenshot or photo of it instead"
    )]
    PdfMetadata,
}

/// A cleaned attachment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clean {
    /// `image/jpeg`, `image/png` or `application/pdf`.
    pub media_type: &'static str,
    /// File extension for its label.
    pub extension: &'static str,
    /// The bytes to seal.
    pub bytes: Vec<u8>,
}

/// Recognises `bytes` and removes identifying metadata.
pub fn clean(bytes: &[u8]) -> Result<Clean, StripError> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        let mut jpeg = Jpeg::from_bytes(Bytes::copy_from_slice(bytes))
            .map_err(|e| StripError::Broken("JPEG", e.to_string()))?;
        jpeg.segments_mut().retain(|s| {
            let m = s.marker();
            match m {
                0xE0 | 0xEE => true,
                0xE2 => s.contents().starts_with(b"ICC_PROFILE\0"),
                0xE1 | 0xE3..=0xED | 0xEF | 0xFE => false,
                _ => true,
            }
        });
        return Ok(Clean {
            media_type: "image/jpeg",
            extension: "jpg",
            bytes: jpeg.encoder().bytes().to_vec(),
        });
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        let mut png = Png::from_bytes(Bytes::copy_from_slice(bytes))
            .map_err(|e| StripError::Broken("PNG", e.to_string()))?;
        png.chunks_mut()
            .retain(|c| !matches!(&c.kind(), b"eXIf" | b"tEXt" | b"zTXt" | b"iTXt" | b"tIME"));
        return Ok(Clean {
            media_type: "image/png",
            extension: "png",
            bytes: png.encoder().bytes().to_vec(),
        });
    }
    if bytes.starts_with(b"%PDF-") {
        return Ok(Clean {
            media_type: "application/pdf",
            extension: "pdf",
            bytes: clean_pdf(bytes)?,
        });
    }
    Err(StripError::Unsupported(sniff(bytes)))
}

fn sniff(bytes: &[u8]) -> &'static str {
    if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        "a HEIC/MP4-family file"
    } else if bytes.starts_with(b"RIFF") {
        "a RIFF file such as WebP"
    } else if bytes.starts_with(b"PK\x03\x04") {
        "a ZIP-based file such as Word or an archive"
    } else if bytes.starts_with(b"GIF8") {
        "a GIF"
    } else {
        "an unknown format"
    }
}

/// Information-dictionary keys whose string values are blanked.
const INFO_KEYS: [&[u8]; 9] = [
    b"/Author",
    b"/Creator",
    b"/Producer",
    b"/Title",
    b"/Subject",
    b"/Keywords",
    b"/CreationDate",
    b"/ModDate",
    b"/Company",
];

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if from >= hay.len() {
        return None;
    }
    hay[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// Blanks the value of a string object starting at `at` (`(` literal or `<` hex), in
/// place; returns where it ended.
fn blank_string(pdf: &mut [u8], at: usize) -> usize {
    match pdf.get(at) {
        Some(b'(') => {
            let mut depth = 0usize;
            let mut i = at;
            while i < pdf.len() {
                match pdf[i] {
                    b'\\' => {
                        pdf[i] = b' ';
                        if i + 1 < pdf.len() {
                            pdf[i + 1] = b' ';
                        }
                        i += 2;
                        continue;
                    }
                    b'(' => {
                        depth += 1;
                        if depth > 1 {
                            pdf[i] = b' ';
                        }
                    }
                    b')' => {
                        depth -= 1;
                        if depth == 0 {
                            return i + 1;
                        }
                        pdf[i] = b' ';
                    }
                    _ => pdf[i] = b' ',
                }
                i += 1;
            }
            pdf.len()
        }
        Some(b'<') if pdf.get(at + 1) != Some(&b'<') => {
            let mut i = at + 1;
            while i < pdf.len() && pdf[i] != b'>' {
                if pdf[i].is_ascii_hexdigit() {
                    pdf[i] = b'0';
                }
                i += 1;
            }
            i + 1
        }
        _ => at,
    }
}

fn clean_pdf(bytes: &[u8]) -> Result<Vec<u8>, StripError> {
    let mut pdf = bytes.to_vec();
    for key in INFO_KEYS {
        let mut from = 0;
        while let Some(at) = find(&pdf, key, from) {
            let mut i = at + key.len();
            while i < pdf.len() && pdf[i].is_ascii_whitespace() {
                i += 1;
            }
            from = blank_string(&mut pdf, i).max(at + 1);
        }
    }
    // Uncompressed XMP: keep the packet wrapper, blank what is inside it.
    let mut from = 0;
    while let Some(start) = find(&pdf, b"<x:xmpmeta", from) {
        let Some(end) = find(&pdf, b"</x:xmpmeta>", start) else {
            return Err(StripError::Broken("PDF", "an XMP packet never ends".into()));
        };
        let end = end + b"</x:xmpmeta>".len();
        pdf[start..end].fill(b' ');
        from = end;
    }
    // Compressed streams: look inside; refuse what cannot be blanked.
    let mut from = 0;
    while let Some(s) = find(&pdf, b"stream", from) {
        let mut begin = s + b"stream".len();
        if pdf[..s].ends_with(b"end") {
            from = begin;
            continue;
        }
        if pdf.get(begin) == Some(&b'\r') {
            begin += 1;
        }
        if pdf.get(begin) == Some(&b'\n') {
            begin += 1;
        }
        let Some(end) = find(&pdf, b"endstream", begin) else {
            return Err(StripError::Broken("PDF", "a stream never ends".into()));
        };
        let dict_from = s.saturating_sub(512);
        let flate = find(&pdf[dict_from..s], b"/FlateDecode", 0).is_some();
        if flate
            && let Ok(inner) = miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(
                &pdf[begin..end],
                64 * 1024 * 1024,
            )
            && (find(&inner, b"xmpmeta", 0).is_some()
                || INFO_KEYS.iter().any(|k| find(&inner, k, 0).is_some()))
        {
            return Err(StripError::PdfMetadata);
        }
        from = end + b"endstream".len();
    }
    Ok(pdf)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal JPEG: SOI, JFIF APP0, an EXIF APP1 with a GPS tag's bytes, a comment,
    /// a quantisation table, start of scan with two entropy bytes, EOI.
    fn jpeg_with_exif() -> Vec<u8> {
        let mut j = vec![0xFF, 0xD8];
        let seg = |m: u8, body: &[u8]| {
            let mut s = vec![0xFF, m];
            s.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
            s.extend_from_slice(body);
            s
        };
        j.extend(seg(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"));
        j.extend(seg(0xE1, b"Exif\0\0MM\0*GPSLatitude 13.7563 N"));
        j.extend(seg(0xFE, b"taken by somchai"));
        j.extend(seg(0xDB, &[0u8; 65]));
        j.extend(seg(0xDA, &[1, 1, 0, 0, 63, 0]));
        j.extend([0x12, 0x34, 0xFF, 0xD9]);
        j
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        find(hay, needle, 0).is_some()
    }

    #[test]
    fn jpeg_loses_exif_and_comments_and_keeps_the_picture() {
        let clean = clean(&jpeg_with_exif()).expect("jpeg");
        assert_eq!(clean.media_type, "image/jpeg");
        assert!(!contains(&clean.bytes, b"GPSLatitude"));
        assert!(!contains(&clean.bytes, b"Exif"));
        assert!(!contains(&clean.bytes, b"somchai"));
        assert!(contains(&clean.bytes, b"JFIF"));
        assert!(
            clean.bytes.ends_with(&[0x12, 0x34, 0xFF, 0xD9]),
            "scan data kept"
        );
    }

    #[test]
    fn png_loses_text_and_exif_chunks() {
        let chunk = |kind: &[u8; 4], data: &[u8]| {
            let mut c = (data.len() as u32).to_be_bytes().to_vec();
            c.extend_from_slice(kind);
            c.extend_from_slice(data);
            let mut h = crc32(kind);
            h = crc32_update(h, data);
            c.extend_from_slice(&(!h).to_be_bytes());
            c
        };
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend(chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]));
        png.extend(chunk(b"tEXt", b"Author\0Somchai"));
        png.extend(chunk(b"eXIf", b"MM\0*GPS"));
        png.extend(chunk(b"IDAT", &[0x78, 0x9c, 0x63, 0, 0, 0, 1, 0, 1]));
        png.extend(chunk(b"IEND", b""));
        let clean = clean(&png).expect("png");
        assert!(!contains(&clean.bytes, b"Somchai"));
        assert!(!contains(&clean.bytes, b"GPS"));
        assert!(contains(&clean.bytes, b"IDAT"));
    }

    fn crc32(kind: &[u8]) -> u32 {
        crc32_update(0xFFFF_FFFF, kind)
    }
    fn crc32_update(mut crc: u32, data: &[u8]) -> u32 {
        for &b in data {
            crc ^= b as u32;
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        crc
    }

    #[test]
    fn pdf_info_and_xmp_are_blanked_in_place() {
        let pdf = b"%PDF-1.4\n1 0 obj\n<< /Author (Somchai \\(boss\\) P.) /Producer <48656C6C6F> /Title (a (nested) title) >>\nendobj\n2 0 obj\n<< /Type /Metadata /Length 60 >>\nstream\n<x:xmpmeta><dc:creator>Somchai</dc:creator></x:xmpmeta>\nendstream\nendobj\ntrailer << /Info 1 0 R >>\n%%EOF\n";
        let clean = clean(pdf).expect("pdf");
        assert_eq!(clean.bytes.len(), pdf.len(), "offsets unchanged");
        assert!(!contains(&clean.bytes, b"Somchai"));
        assert!(!contains(&clean.bytes, b"48656C"));
        assert!(!contains(&clean.bytes, b"nested"));
        assert!(contains(&clean.bytes, b"/Info 1 0 R"));
    }

    #[test]
    fn pdf_with_compressed_metadata_is_refused_and_unknown_formats_are_named() {
        let inner = b"<< /Author (Somchai) >>";
        let z = miniz_oxide::deflate::compress_to_vec_zlib(inner, 6);
        let mut pdf =
            b"%PDF-1.5\n1 0 obj\n<< /Type /ObjStm /Filter /FlateDecode >>\nstream\n".to_vec();
        pdf.extend(z);
        pdf.extend(b"\nendstream\nendobj\n%%EOF\n");
        assert_eq!(clean(&pdf), Err(StripError::PdfMetadata));
        let heic = b"\0\0\0\x18ftypheic\0\0\0\0";
        assert!(clean(heic).expect_err("heic").to_string().contains("HEIC"));
        assert!(matches!(clean(b"hello"), Err(StripError::Unsupported(_))));
    }
}
