//! PDFs rebuilt from their pages: a new document whose catalog names only its page tree,
//! whose pages keep only their boxes, rotation, content and resources, and whose trailer
//! names only the catalog. What the original held besides — document information, XMP
//! metadata (wherever a `/Metadata` key pointed, whatever its wrapper or filter), the
//! file identifier, JavaScript, open and additional actions, annotations, forms, embedded
//! files, outlines, private application data (`/PieceInfo`) — is never copied, because
//! the copy starts from the pages and follows only what they use, leaving out those keys
//! at every depth. JPEG pictures (`/DCTDecode`) are rebuilt from their pixels.

use super::StripError;
use lopdf::{Dictionary, Document, Object, ObjectId, Stream};
use std::collections::BTreeMap;

/// Page keys carried over (besides `Resources` and `Contents`, copied with care).
const PAGE_KEYS: [&[u8]; 7] = [
    b"MediaBox",
    b"CropBox",
    b"BleedBox",
    b"TrimBox",
    b"ArtBox",
    b"Rotate",
    b"UserUnit",
];

/// Page keys a page may inherit from its ancestors in the page tree (ISO 32000 §7.7.3.4).
const INHERITED: [&[u8]; 4] = [b"Resources", b"MediaBox", b"CropBox", b"Rotate"];

/// Resource categories carried over.
const RESOURCE_KEYS: [&[u8]; 8] = [
    b"Font",
    b"XObject",
    b"ExtGState",
    b"ColorSpace",
    b"Pattern",
    b"Shading",
    b"ProcSet",
    b"Properties",
];

/// Keys never copied from any dictionary reached from a page: metadata, private data,
/// actions and scripts, annotations and what links back to the dropped structure.
const NEVER: [&[u8]; 14] = [
    b"Metadata",
    b"PieceInfo",
    b"LastModified",
    b"AA",
    b"A",
    b"OpenAction",
    b"JS",
    b"JavaScript",
    b"Annots",
    b"EmbeddedFiles",
    b"EF",
    b"StructParent",
    b"StructParents",
    b"Parent",
];

/// Deepest nesting followed (a crafted file could nest without end).
const MAX_DEPTH: usize = 64;

fn uncleanable(why: impl Into<String>) -> StripError {
    StripError::PdfUncleanable(why.into())
}

/// `bytes` (a PDF) rebuilt from its pages.
pub fn rebuild(bytes: &[u8]) -> Result<Vec<u8>, StripError> {
    let src = Document::load_mem(bytes).map_err(|e| StripError::Broken("PDF", e.to_string()))?;
    if src.is_encrypted() {
        return Err(uncleanable("it is encrypted"));
    }
    let pages = src.get_pages();
    if pages.is_empty() {
        return Err(StripError::Broken("PDF", "it has no pages".into()));
    }
    let mut copy = Copy {
        src: &src,
        out: Document::with_version("1.7"),
        map: BTreeMap::new(),
    };
    let tree = copy.out.new_object_id();
    let mut kids = Vec::with_capacity(pages.len());
    for page_id in pages.values() {
        let page = src
            .get_dictionary(*page_id)
            .map_err(|e| StripError::Broken("PDF", format!("page {page_id:?}: {e}")))?;
        let mut new = Dictionary::new();
        new.set("Type", Object::Name(b"Page".to_vec()));
        new.set("Parent", Object::Reference(tree));
        for key in PAGE_KEYS {
            if let Some(v) = inherited(&src, page, key) {
                new.set(key.to_vec(), copy.object(v, 0)?);
            }
        }
        if let Some(resources) = inherited(&src, page, b"Resources") {
            new.set("Resources", copy.resources(resources)?);
        }
        if let Ok(contents) = page.get(b"Contents") {
            new.set("Contents", copy.object(contents, 0)?);
        }
        kids.push(Object::Reference(copy.out.add_object(new)));
    }
    let count = kids.len() as i64;
    let mut tree_dict = Dictionary::new();
    tree_dict.set("Type", Object::Name(b"Pages".to_vec()));
    tree_dict.set("Kids", Object::Array(kids));
    tree_dict.set("Count", Object::Integer(count));
    copy.out.objects.insert(tree, Object::Dictionary(tree_dict));
    let mut catalog = Dictionary::new();
    catalog.set("Type", Object::Name(b"Catalog".to_vec()));
    catalog.set("Pages", Object::Reference(tree));
    let root = copy.out.add_object(catalog);
    copy.out.trailer = Dictionary::new();
    copy.out.trailer.set("Root", Object::Reference(root));
    let mut out = Vec::new();
    copy.out
        .save_to(&mut out)
        .map_err(|e| StripError::Broken("PDF", format!("writing the rebuilt file: {e}")))?;
    Ok(out)
}

/// `key` of `page`, or of the nearest ancestor that has it.
fn inherited<'a>(src: &'a Document, page: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
    if let Ok(v) = page.get(key) {
        return Some(v);
    }
    if !INHERITED.contains(&key) {
        return None;
    }
    let mut node = page;
    for _ in 0..MAX_DEPTH {
        let parent = node.get(b"Parent").ok()?.as_reference().ok()?;
        node = src.get_dictionary(parent).ok()?;
        if let Ok(v) = node.get(key) {
            return Some(v);
        }
    }
    None
}

/// Objects copied from the original into the new document, each once.
struct Copy<'a> {
    src: &'a Document,
    out: Document,
    map: BTreeMap<ObjectId, ObjectId>,
}

impl Copy<'_> {
    /// A page's resources: only the categories that draw the page.
    fn resources(&mut self, resources: &Object) -> Result<Object, StripError> {
        let (_, resolved) = self
            .src
            .dereference(resources)
            .map_err(|e| StripError::Broken("PDF", format!("resources: {e}")))?;
        let Object::Dictionary(d) = resolved else {
            return Ok(Object::Dictionary(Dictionary::new()));
        };
        let mut new = Dictionary::new();
        for key in RESOURCE_KEYS {
            if let Ok(v) = d.get(key) {
                new.set(key.to_vec(), self.object(v, 1)?);
            }
        }
        Ok(Object::Dictionary(new))
    }

    fn object(&mut self, obj: &Object, depth: usize) -> Result<Object, StripError> {
        if depth > MAX_DEPTH {
            return Err(StripError::Broken("PDF", "objects nest too deeply".into()));
        }
        Ok(match obj {
            Object::Reference(id) => {
                if let Some(new) = self.map.get(id) {
                    return Ok(Object::Reference(*new));
                }
                let new = self.out.new_object_id();
                self.map.insert(*id, new);
                let copied = match self.src.get_object(*id) {
                    Ok(o) => self.object(o, depth + 1)?,
                    // A reference to nothing is null (ISO 32000 §7.3.10).
                    Err(_) => Object::Null,
                };
                self.out.objects.insert(new, copied);
                Object::Reference(new)
            }
            Object::Dictionary(d) => Object::Dictionary(self.dictionary(d, depth)?),
            Object::Stream(s) => Object::Stream(self.stream(s, depth)?),
            Object::Array(items) => Object::Array(
                items
                    .iter()
                    .map(|o| self.object(o, depth + 1))
                    .collect::<Result<_, _>>()?,
            ),
            other => other.clone(),
        })
    }

    fn dictionary(&mut self, d: &Dictionary, depth: usize) -> Result<Dictionary, StripError> {
        let mut new = Dictionary::new();
        for (k, v) in d.iter() {
            if NEVER.contains(&k.as_slice()) {
                continue;
            }
            new.set(k.clone(), self.object(v, depth + 1)?);
        }
        Ok(new)
    }

    fn stream(&mut self, s: &Stream, depth: usize) -> Result<Stream, StripError> {
        let mut dict = self.dictionary(&s.dict, depth)?;
        let filters: Vec<Vec<u8>> = s
            .filters()
            .map(|f| f.iter().map(|n| n.to_vec()).collect())
            .unwrap_or_default();
        let is_image = s
            .dict
            .get(b"Subtype")
            .and_then(Object::as_name)
            .is_ok_and(|n| n == b"Image");
        let mut content = s.content.clone();
        if filters.iter().any(|f| f == b"JPXDecode") {
            return Err(uncleanable("it holds JPEG 2000 pictures"));
        }
        if filters.iter().any(|f| f == b"DCTDecode") {
            if !is_image || filters.len() != 1 {
                return Err(uncleanable(
                    "it holds JPEG data in a form that cannot be rebuilt",
                ));
            }
            // The picture's pixels as stored (no orientation: the page places them).
            let picture = super::image::decode(&content, image::ImageFormat::Jpeg, "PDF", false)?;
            content = super::image::encode_jpeg(&picture)?;
            let grey = matches!(picture, image::DynamicImage::ImageLuma8(_));
            dict.set(
                "ColorSpace",
                Object::Name(if grey {
                    b"DeviceGray".to_vec()
                } else {
                    b"DeviceRGB".to_vec()
                }),
            );
            dict.set("BitsPerComponent", Object::Integer(8));
            dict.remove(b"Decode");
        }
        Ok(Stream::new(dict, content))
    }
}

#[cfg(test)]
mod tests {
    use super::super::image::tests::{contains, phone_jpeg, plain_jpeg};
    use super::*;

    /// A PDF assembled by hand from numbered objects, with a correct cross-reference
    /// table, so that tests can write what real producers write (escaped names, odd XMP
    /// wrappers, several filters).
    fn pdf_by_hand(objects: &[Vec<u8>], trailer_extra: &str) -> Vec<u8> {
        let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
        let mut offsets = Vec::new();
        for (i, body) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend(format!("{} 0 obj\n", i + 1).as_bytes());
            out.extend(body);
            out.extend(b"\nendobj\n");
        }
        let xref = out.len();
        out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
        for o in offsets {
            out.extend(format!("{o:010} 00000 n \n").as_bytes());
        }
        out.extend(
            format!(
                "trailer\n<< /Size {} /Root 1 0 R {trailer_extra} >>\nstartxref\n{xref}\n%%EOF\n",
                objects.len() + 1
            )
            .as_bytes(),
        );
        out
    }

    fn stream(dict: &str, content: &[u8]) -> Vec<u8> {
        let mut s = format!("<< {dict} /Length {} >>\nstream\n", content.len()).into_bytes();
        s.extend_from_slice(content);
        s.extend_from_slice(b"\nendstream");
        s
    }

    fn zlib(data: &[u8]) -> Vec<u8> {
        miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
    }

    const SECRETS: [&[u8]; 12] = [
        b"Somchai",
        b"SN-99812",
        b"GPSLatitude",
        b"xmpmeta",
        b"xpacket",
        b"app.alert",
        b"evidence.txt",
        b"hidden attachment",
        b"Bangkok-Secret",
        b"note from the owner",
        b"Illustrator",
        b"Exif",
    ];

    /// What a phone's or an office suite's PDF carries: info with escaped names, XMP in
    /// several wrappers and filters, a script run at opening, an embedded file, a note,
    /// private data, and a photo with its EXIF.
    fn loaded_pdf() -> Vec<u8> {
        let photo = phone_jpeg(&plain_jpeg(32, 24), 1);
        let xmp_bare = b"<x:xmpmeta xmlns:x='adobe:ns:meta/'>creator Somchai</x:xmpmeta>";
        let xmp_old = b"<?xpacket begin='' id='W5M0MpCehiHzreSzNTczkc9d'?><rdf:RDF>SN-99812</rdf:RDF><?xpacket end='w'?>";
        let hex: String = xmp_old.iter().map(|b| format!("{b:02X}")).collect();
        let objects: Vec<Vec<u8>> = vec![
            // 1 catalog
            b"<< /Type /Catalog /Pages 2 0 R /Metadata 6 0 R /OpenAction 7 0 R /Names << /EmbeddedFiles << /Names [(evidence.txt) 8 0 R] >> /JavaScript << /Names [(x) 7 0 R] >> >> /AcroForm << /Fields [] >> >>".to_vec(),
            // 2 pages
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 /Resources 4 0 R /MediaBox [0 0 200 100] >>".to_vec(),
            // 3 page (inherits resources and media box)
            b"<< /Type /Page /Parent 2 0 R /Contents 5 0 R /Annots [9 0 R] /PieceInfo << /Illustrator << /Private (Bangkok-Secret) >> >> /Metadata 10 0 R >>".to_vec(),
            // 4 resources
            b"<< /XObject << /Im1 11 0 R >> /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>".to_vec(),
            // 5 content
            stream("/Filter /FlateDecode", &zlib(b"q 32 0 0 24 10 10 cm /Im1 Do Q BT /F1 12 Tf 50 50 Td (Page text) Tj ET")),
            // 6 XMP, Flate
            stream("/Type /Metadata /Subtype /XML /Filter /FlateDecode", &zlib(xmp_bare)),
            // 7 JavaScript action
            b"<< /S /JavaScript /JS (app.alert\\('Somchai'\\)) >>".to_vec(),
            // 8 embedded file spec
            b"<< /Type /Filespec /F (evidence.txt) /EF << /F 12 0 R >> >>".to_vec(),
            // 9 a note annotation
            b"<< /Type /Annot /Subtype /Text /Rect [0 0 10 10] /Contents (note from the owner) >>".to_vec(),
            // 10 page XMP, ASCIIHex (an older wrapper)
            stream("/Type /Metadata /Subtype /XML /Filter /ASCIIHexDecode", format!("{hex}>").as_bytes()),
            // 11 photo with EXIF and its own XMP
            stream(
                "/Type /XObject /Subtype /Image /Width 32 /Height 24 /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode /Metadata 6 0 R",
                &photo,
            ),
            // 12 embedded file
            stream("/Type /EmbeddedFile", b"hidden attachment"),
            // 13 info with escaped names
            b"<< /Au#74hor (Somchai) /Cr#65ator <534E2D3939383132> /Producer (Bangkok-Secret) >>".to_vec(),
        ];
        pdf_by_hand(
            &objects,
            "/Info 13 0 R /ID [<534E2D3939383132> <534E2D3939383132>]",
        )
    }

    #[test]
    fn a_pdf_keeps_its_pages_and_nothing_else() {
        let original = loaded_pdf();
        let original_doc = Document::load_mem(&original).expect("the sample is a valid PDF");
        assert_eq!(original_doc.get_pages().len(), 1);
        let clean = super::super::clean(&original).expect("rebuilt");
        assert_eq!(clean.media_type, "application/pdf");
        // Nothing of the secrets, in the file or in any stream once decompressed.
        let doc = Document::load_mem(&clean.bytes).expect("the result is a valid PDF");
        let mut everything = clean.bytes.clone();
        for obj in doc.objects.values() {
            if let Object::Stream(s) = obj {
                everything.extend(
                    s.decompressed_content()
                        .unwrap_or_else(|_| s.content.clone()),
                );
            }
        }
        for s in SECRETS {
            assert!(
                !contains(&everything, s),
                "{:?} survived",
                String::from_utf8_lossy(s)
            );
        }
        assert!(
            !contains(&clean.bytes, b"/ID"),
            "the file identifier survived"
        );
        assert!(
            !contains(&clean.bytes, b"534E2D"),
            "the hex identifier survived"
        );
        // The page is still there: its box, its text, its picture, its font.
        assert_eq!(doc.get_pages().len(), 1);
        let page_id = *doc.get_pages().values().next().expect("page");
        let page = doc.get_dictionary(page_id).expect("page dict");
        assert!(
            page.get(b"MediaBox").is_ok(),
            "the inherited box is on the page"
        );
        assert!(page.get(b"Annots").is_err() && page.get(b"Metadata").is_err());
        let text = doc.get_page_content(page_id);
        assert!(
            contains(&text, b"(Page text) Tj"),
            "{}",
            String::from_utf8_lossy(&text)
        );
        let images: Vec<&Stream> = doc
            .objects
            .values()
            .filter_map(|o| match o {
                Object::Stream(s)
                    if s.dict.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"Image") =>
                {
                    Some(s)
                }
                _ => None,
            })
            .collect();
        assert_eq!(images.len(), 1);
        let picture = image::load_from_memory(&images[0].content).expect("the photo decodes");
        assert_eq!((picture.width(), picture.height()), (32, 24));
        let catalog = doc.catalog().expect("catalog");
        assert_eq!(catalog.len(), 2, "only /Type and /Pages: {catalog:?}");
        assert!(doc.trailer.get(b"Info").is_err());
    }

    #[test]
    fn pdfs_that_cannot_be_rebuilt_clean_are_refused_saying_why() {
        let jpx = pdf_by_hand(
            &[
                b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
                b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] /Resources << /XObject << /I 4 0 R >> >> >>".to_vec(),
                stream("/Type /XObject /Subtype /Image /Width 1 /Height 1 /Filter /JPXDecode", b"\0\0\0\x0cjP  "),
            ],
            "",
        );
        let e = rebuild(&jpx).expect_err("JPEG 2000");
        assert!(e.to_string().contains("JPEG 2000"), "{e}");
        assert!(matches!(
            rebuild(b"%PDF-1.4\ngarbage"),
            Err(StripError::Broken("PDF", _))
        ));
        // A loop in the page tree's parents does not hang the rebuild.
        let looped = pdf_by_hand(
            &[
                b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
                b"<< /Type /Pages /Kids [3 0 R] /Count 1 /Parent 2 0 R >>".to_vec(),
                b"<< /Type /Page /Parent 2 0 R >>".to_vec(),
            ],
            "",
        );
        let _ = rebuild(&looped);
    }
}
