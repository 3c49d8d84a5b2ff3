//! Attachments from the public: recognised by their bytes (never by the name or type the
//! browser claims) and rebuilt from what is understood, so that nothing that could
//! identify a reporter survives — not by listing what to remove, which misses what the
//! list does not name, but by keeping only what is needed to show the content.
//!
//! - **JPEG and PNG** ([`image`]): the pixels are decoded (turned upright as the camera's
//!   orientation tag says) and encoded afresh. Nothing of the original file is copied:
//!   EXIF with its GPS position, camera serial and time, XMP, IPTC, maker notes,
//!   comments, a second picture after the end marker (Multi-Picture Format), a motion
//!   photo's video with its own location atom, and metadata segments after the first scan
//!   are all gone because none of them is pixels.
//! - **PDF** ([`pdf`]): a new document is built from the pages alone — each page's size,
//!   rotation, content and resources (fonts, pictures, drawings). The document
//!   information (author, creator, producer, dates, with or without `#xx` name escapes),
//!   XMP packets whatever their wrapper or filter, the file identifier, JavaScript, open
//!   actions, annotations, forms, embedded files, outlines and private application data
//!   are not carried over; JPEG pictures inside it are rebuilt as above. A PDF that cannot
//!   be read, is encrypted, or holds pictures in a format that cannot be rebuilt
//!   (JPEG 2000) is refused with a message saying why.
//!
//! Everything else (HEIC, WebP, Word files, archives) is refused, naming what was found.
//! The reporter is told, in the form, to send a screenshot or a photo instead.

pub mod image;
pub mod pdf;

/// Why an attachment was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StripError {
    /// Not a JPEG, PNG or PDF.
    #[error("is not a JPEG or PNG image or a PDF ({0}); send a photo, screenshot or PDF")]
    Unsupported(&'static str),
    /// Recognised, but broken.
    #[error("looks like a {0} but cannot be read: {1}")]
    Broken(&'static str, String),
    /// A PDF whose content cannot be rebuilt clean.
    #[error(
        "this PDF cannot be cleaned of details that could identify you ({0}); send a screenshot or photo of it instead"
    )]
    PdfUncleanable(String),
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

/// Recognises `bytes` and rebuilds it without anything but its content.
pub fn clean(bytes: &[u8]) -> Result<Clean, StripError> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(Clean {
            media_type: "image/jpeg",
            extension: "jpg",
            bytes: image::rebuild_jpeg(bytes)?,
        });
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ok(Clean {
            media_type: "image/png",
            extension: "png",
            bytes: image::rebuild_png(bytes)?,
        });
    }
    if bytes.starts_with(b"%PDF-") {
        return Ok(Clean {
            media_type: "application/pdf",
            extension: "pdf",
            bytes: pdf::rebuild(bytes)?,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_formats_are_refused_and_named() {
        let heic = b"\0\0\0\x18ftypheic\0\0\0\0";
        assert!(clean(heic).expect_err("heic").to_string().contains("HEIC"));
        assert!(matches!(clean(b"hello"), Err(StripError::Unsupported(_))));
        assert!(matches!(
            clean(b"\xFF\xD8\xFF\xE0 not really"),
            Err(StripError::Broken("JPEG", _))
        ));
        assert!(matches!(
            clean(b"%PDF-1.7\nnothing else"),
            Err(StripError::Broken("PDF", _))
        ));
    }
}
