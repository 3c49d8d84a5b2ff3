//! Pictures rebuilt from their pixels: decoded (with limits, so that a small file cannot
//! claim a huge picture), turned upright as its orientation tag says, and encoded afresh.
//! The encoders write the picture and nothing else (a JFIF header for JPEG; IHDR, IDAT
//! and IEND for PNG).

use super::StripError;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use std::io::Cursor;

/// Largest width or height accepted, in pixels (a 100-megapixel phone picture fits).
pub const MAX_SIDE: u32 = 16_384;
/// Most pixels a picture may have (a 50-megapixel phone photo fits): decoding and
/// encoding cost grows with them, whatever the file's size.
pub const MAX_PIXELS: u64 = 50_000_000;
/// Above this many pixels, a file must carry at least one byte per [`PIXELS_PER_BYTE`]
/// pixels: a photo that large is never that small, and a tiny file claiming a huge picture
/// would only make the node decode and encode nothing for seconds (found by the
/// `tip_attachment` fuzz target: 923 bytes that took over 20 s).
pub const DENSITY_FROM_PIXELS: u64 = 4_000_000;
/// See [`DENSITY_FROM_PIXELS`].
pub const PIXELS_PER_BYTE: u64 = 2_000;
/// Most memory one decoding may take.
pub const MAX_DECODE_BYTES: u64 = 256 * 1024 * 1024;
/// JPEG quality of the rebuilt picture: the difference is not visible, the file stays
/// about the size of the original.
pub const JPEG_QUALITY: u8 = 90;

/// Decodes `bytes` within the limits above; turns the picture upright as its orientation
/// tag says when `upright` (a PDF places its pictures itself, so not there).
pub(super) fn decode(
    bytes: &[u8],
    format: ImageFormat,
    what: &'static str,
    upright: bool,
) -> Result<DynamicImage, StripError> {
    let broken = |e: image::ImageError| StripError::Broken(what, e.to_string());
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(broken)?;
    let (w, h) = decoder.dimensions();
    let pixels = u64::from(w) * u64::from(h);
    if pixels > MAX_PIXELS {
        return Err(StripError::Broken(
            what,
            format!("{w}×{h} is more than {} megapixels", MAX_PIXELS / 1_000_000),
        ));
    }
    if pixels > DENSITY_FROM_PIXELS && (bytes.len() as u64) < pixels / PIXELS_PER_BYTE {
        return Err(StripError::Broken(
            what,
            format!(
                "it claims {w}×{h} pixels in only {} bytes; send the original picture",
                bytes.len()
            ),
        ));
    }
    // The orientation is the one tag worth keeping, and it is kept by applying it.
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut picture = DynamicImage::from_decoder(decoder).map_err(broken)?;
    if upright {
        picture.apply_orientation(orientation);
    }
    Ok(picture)
}

/// A JPEG's picture as a new JPEG.
pub fn rebuild_jpeg(bytes: &[u8]) -> Result<Vec<u8>, StripError> {
    let picture = decode(bytes, ImageFormat::Jpeg, "JPEG", true)?;
    encode_jpeg(&picture)
}

/// `picture` as a new JPEG (grey stays grey; any alpha is dropped, as JPEG has none).
pub fn encode_jpeg(picture: &DynamicImage) -> Result<Vec<u8>, StripError> {
    let mut out = Vec::new();
    let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY);
    let written = match picture {
        DynamicImage::ImageLuma8(g) => encoder.encode_image(g),
        other => encoder.encode_image(&other.to_rgb8()),
    };
    written.map_err(|e| StripError::Broken("JPEG", format!("re-encoding: {e}")))?;
    Ok(out)
}

/// A PNG's picture as a new PNG (lossless; alpha kept).
pub fn rebuild_png(bytes: &[u8]) -> Result<Vec<u8>, StripError> {
    let picture = decode(bytes, ImageFormat::Png, "PNG", true)?;
    let mut out = Cursor::new(Vec::new());
    picture
        .write_to(&mut out, ImageFormat::Png)
        .map_err(|e| StripError::Broken("PNG", format!("re-encoding: {e}")))?;
    Ok(out.into_inner())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    /// A JPEG segment: marker, length, body.
    fn segment(marker: u8, body: &[u8]) -> Vec<u8> {
        let mut s = vec![0xFF, marker];
        s.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
        s.extend_from_slice(body);
        s
    }

    /// An EXIF APP1 body with an orientation tag and a GPS-looking string.
    fn exif(orientation: u16, secret: &[u8]) -> Vec<u8> {
        let mut b = b"Exif\0\0MM\0\x2a\0\0\0\x08".to_vec();
        // One IFD entry: 0x0112 Orientation, SHORT, count 1, value.
        b.extend_from_slice(&[0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1]);
        b.extend_from_slice(&orientation.to_be_bytes());
        b.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
        b.extend_from_slice(secret);
        b
    }

    /// A real `w`×`h` JPEG with a gradient, as an encoder writes it.
    pub(crate) fn plain_jpeg(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x * 255 / w) as u8, (y * 255 / h) as u8, 128])
        });
        encode_jpeg(&DynamicImage::ImageRgb8(img)).expect("encode")
    }

    /// `plain` with an EXIF segment (orientation, GPS) and an XMP segment after its SOI,
    /// metadata segments before its second scan position (after the first SOS, as some
    /// writers do), a second picture after its EOI (MPF), and a motion-photo video tail.
    pub(crate) fn phone_jpeg(plain: &[u8], orientation: u16) -> Vec<u8> {
        let mut j = plain[..2].to_vec();
        j.extend(segment(
            0xE1,
            &exif(orientation, b"GPSLatitude 13.7563 N; serial SN-99812"),
        ));
        j.extend(segment(
            0xE1,
            b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>owner Somchai</x:xmpmeta>",
        ));
        j.extend(segment(0xE2, b"MPF\0second picture index"));
        j.extend(segment(0xFE, b"taken by somchai"));
        j.extend_from_slice(&plain[2..plain.len() - 2]);
        // Before EOI: a metadata segment after the scan.
        j.extend(segment(0xED, b"Photoshop 3.0\0IPTC city Bangkok-Secret"));
        j.extend_from_slice(&[0xFF, 0xD9]);
        // After EOI: a second JPEG with its own EXIF (MPF), then a video with location.
        let mut second = plain[..2].to_vec();
        second.extend(segment(0xE1, &exif(1, b"GPSLongitude 100.5018 E")));
        second.extend_from_slice(&plain[2..]);
        j.extend(second);
        j.extend_from_slice(
            b"\0\0\0\x20ftypmp42\0\0\0\0mp42isom\0\0\0\x18\xa9xyz+13.7563+100.5018/",
        );
        j
    }

    const SECRETS: [&[u8]; 9] = [
        b"GPSLatitude",
        b"GPSLongitude",
        b"SN-99812",
        b"Somchai",
        b"somchai",
        b"Bangkok-Secret",
        b"+100.5018",
        b"Exif",
        b"MPF",
    ];

    #[test]
    fn a_phone_jpeg_keeps_its_picture_and_nothing_else() {
        let plain = plain_jpeg(64, 48);
        let phone = phone_jpeg(&plain, 1);
        for s in SECRETS {
            assert!(
                contains(&phone, s),
                "the sample lacks {:?}",
                String::from_utf8_lossy(s)
            );
        }
        let clean = super::super::clean(&phone).expect("cleaned");
        assert_eq!(clean.media_type, "image/jpeg");
        for s in SECRETS {
            assert!(
                !contains(&clean.bytes, s),
                "{:?} survived",
                String::from_utf8_lossy(s)
            );
        }
        // One picture: one start and one end of image.
        assert_eq!(
            clean
                .bytes
                .windows(2)
                .filter(|w| w == &[0xFF, 0xD8])
                .count(),
            1
        );
        assert!(
            clean.bytes.ends_with(&[0xFF, 0xD9]),
            "nothing after the end"
        );
        let back = image::load_from_memory(&clean.bytes).expect("decodes");
        assert_eq!((back.width(), back.height()), (64, 48));
        // The same picture: close to the original pixel by pixel.
        let (a, b) = (
            image::load_from_memory(&plain).expect("plain").to_rgb8(),
            back.to_rgb8(),
        );
        let diff = a
            .pixels()
            .zip(b.pixels())
            .map(|(p, q)| (0..3).map(|i| p[i].abs_diff(q[i]) as u64).sum::<u64>())
            .sum::<u64>()
            / (64 * 48 * 3);
        assert!(diff < 8, "mean difference {diff}");
    }

    #[test]
    fn the_orientation_tag_is_applied_not_kept() {
        let phone = phone_jpeg(&plain_jpeg(64, 48), 6); // rotate 90° clockwise
        let clean = rebuild_jpeg(&phone).expect("cleaned");
        let back = image::load_from_memory(&clean).expect("decodes");
        assert_eq!((back.width(), back.height()), (48, 64), "turned upright");
    }

    #[test]
    fn png_text_exif_and_trailing_data_are_gone() {
        let img = image::RgbaImage::from_fn(8, 8, |x, y| image::Rgba([x as u8, y as u8, 0, 200]));
        let mut png = Vec::new();
        DynamicImage::ImageRgba8(img)
            .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
            .expect("png");
        // Insert text, eXIf and iTXt chunks before IEND, and data after it.
        let chunk = |kind: &[u8; 4], data: &[u8]| {
            let mut c = (data.len() as u32).to_be_bytes().to_vec();
            c.extend_from_slice(kind);
            c.extend_from_slice(data);
            let mut crc = crc32fast::Hasher::new();
            crc.update(kind);
            crc.update(data);
            c.extend_from_slice(&crc.finalize().to_be_bytes());
            c
        };
        let iend = png.len() - 12;
        let mut phone = png[..iend].to_vec();
        phone.extend(chunk(b"tEXt", b"Author\0Somchai"));
        phone.extend(chunk(b"eXIf", b"MM\0*GPSLatitude"));
        phone.extend(chunk(
            b"iTXt",
            b"XML:com.adobe.xmp\0\0\0\0\0<x:xmpmeta>SN-99812</x:xmpmeta>",
        ));
        phone.extend_from_slice(&png[iend..]);
        phone.extend_from_slice(b"trailing Bangkok-Secret");
        let clean = super::super::clean(&phone).expect("cleaned");
        for s in SECRETS {
            assert!(
                !contains(&clean.bytes, s),
                "{:?} survived",
                String::from_utf8_lossy(s)
            );
        }
        let back = image::load_from_memory(&clean.bytes)
            .expect("decodes")
            .to_rgba8();
        assert_eq!(
            back.get_pixel(3, 5),
            &image::Rgba([3, 5, 0, 200]),
            "lossless, alpha kept"
        );
    }

    /// A 16×16 JPEG whose frame header claims `w`×`h` pixels.
    fn claiming(w: u16, h: u16) -> Vec<u8> {
        let mut j = plain_jpeg(16, 16);
        let sof = j
            .windows(2)
            .position(|p| p == [0xFF, 0xC0])
            .expect("baseline frame");
        j[sof + 5..sof + 7].copy_from_slice(&h.to_be_bytes());
        j[sof + 7..sof + 9].copy_from_slice(&w.to_be_bytes());
        j
    }

    #[test]
    fn a_small_file_claiming_a_large_picture_is_refused_before_decoding() {
        // 4 000 × 3 000 claimed by a few hundred bytes (what the fuzz target found, scaled).
        let e = rebuild_jpeg(&claiming(4_000, 3_000)).expect_err("too sparse");
        assert!(e.to_string().contains("send the original"), "{e}");
        // 8 000 × 7 000 is more than 50 megapixels, whatever the size.
        let mut j = claiming(8_000, 7_000);
        j.extend(vec![0u8; 1_000_000]);
        assert!(
            rebuild_jpeg(&j)
                .expect_err("too many")
                .to_string()
                .contains("megapixels")
        );
    }

    #[test]
    fn a_picture_claiming_huge_sides_is_refused_unread() {
        let j = claiming(60_000, 60_000);
        assert!(matches!(
            rebuild_jpeg(&j),
            Err(StripError::Broken("JPEG", _))
        ));
    }
}
