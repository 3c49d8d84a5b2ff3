//! `Signature-Input` and `Signature` (RFC 9421 section 4): reading them, and writing the
//! signature parameters.

use crate::base::{Component, Request, signature_base};
use crate::{Refusal, SIGNATURE, SIGNATURE_INPUT};
use sfv::{BareItem, DictSerializer, Dictionary, InnerList, Item, Key, ListEntry, Parser};

/// The signature parameters (RFC 9421 section 2.3) this profile knows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    /// `created`: when the signature was made, Unix seconds.
    pub created: Option<i64>,
    /// `expires`: when it stops being good, Unix seconds.
    pub expires: Option<i64>,
    /// `keyid`: who signed (for Unchain, the member's name).
    pub keyid: Option<String>,
    /// `alg`: the algorithm.
    pub alg: Option<String>,
    /// `nonce`: a value the signer makes unique.
    pub nonce: Option<String>,
    /// `tag`: the application the signature is for.
    pub tag: Option<String>,
}

impl Params {
    fn read(list: &InnerList) -> Result<Params, Refusal> {
        let mut p = Params::default();
        for (key, value) in &list.params {
            let field = format!("{SIGNATURE_INPUT};{}", key.as_str());
            let int = || {
                value
                    .as_integer()
                    .map(i64::from)
                    .ok_or_else(|| Refusal::new(&field, "must be an integer (Unix seconds)"))
            };
            let string = || {
                value
                    .as_string()
                    .map(|s| s.as_str().to_owned())
                    .ok_or_else(|| Refusal::new(&field, "must be a string (\"…\")"))
            };
            match key.as_str() {
                "created" => p.created = Some(int()?),
                "expires" => p.expires = Some(int()?),
                "keyid" => p.keyid = Some(string()?),
                "alg" => p.alg = Some(string()?),
                "nonce" => p.nonce = Some(string()?),
                "tag" => p.tag = Some(string()?),
                _ => {
                    return Err(Refusal::new(
                        &field,
                        "is not a signature parameter this node knows (created, expires, keyid, alg, nonce, tag)",
                    ));
                }
            }
        }
        Ok(p)
    }

    /// The parameters as structured-field parameters, in RFC 9421's usual order.
    pub(crate) fn write(&self) -> Result<sfv::Parameters, Refusal> {
        let mut out = sfv::Parameters::new();
        let key = |k: &str| Key::from_string(k.to_owned()).expect("a constant key is valid");
        let string = |name: &str, v: &str| {
            sfv::String::from_string(v.to_owned())
                .map(BareItem::String)
                .map_err(|_| {
                    Refusal::new(
                        format!("{SIGNATURE_INPUT};{name}"),
                        "must be printable ASCII",
                    )
                })
        };
        let int = |name: &str, v: i64| {
            sfv::Integer::try_from(v)
                .map(BareItem::Integer)
                .map_err(|_| Refusal::new(format!("{SIGNATURE_INPUT};{name}"), "out of range"))
        };
        if let Some(v) = self.created {
            out.insert(key("created"), int("created", v)?);
        }
        if let Some(v) = self.expires {
            out.insert(key("expires"), int("expires", v)?);
        }
        if let Some(v) = &self.keyid {
            out.insert(key("keyid"), string("keyid", v)?);
        }
        if let Some(v) = &self.alg {
            out.insert(key("alg"), string("alg", v)?);
        }
        if let Some(v) = &self.nonce {
            out.insert(key("nonce"), string("nonce", v)?);
        }
        if let Some(v) = &self.tag {
            out.insert(key("tag"), string("tag", v)?);
        }
        Ok(out)
    }
}

/// A signature read from a request: what it covers, its parameters, its bytes, and the
/// signature base rebuilt from the request, ready to verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    /// The label both fields file it under.
    pub label: String,
    /// The covered components, in order.
    pub components: Vec<Component>,
    /// The signature parameters.
    pub params: Params,
    /// The signature's bytes.
    pub signature: Vec<u8>,
    /// The signature base (RFC 9421 section 2.5) the signature must be over.
    pub base: Vec<u8>,
}

/// The serialisation of an inner list with its parameters, as `@signature-params` holds it.
pub(crate) fn serialize_inner_list(list: &InnerList) -> String {
    let mut ser = DictSerializer::new();
    let key = Key::from_string("s".to_owned()).expect("a constant key is valid");
    ser.members([(&key, &ListEntry::InnerList(list.clone()))]);
    let s = ser.finish().unwrap_or_default();
    s.strip_prefix("s=").unwrap_or(&s).to_owned()
}

/// An inner list of `components` with `params`.
pub(crate) fn inner_list(components: &[Component], params: &Params) -> Result<InnerList, Refusal> {
    let items = components
        .iter()
        .map(|c| {
            sfv::String::from_string(c.id().to_owned())
                .map(|s| Item::new(BareItem::String(s)))
                .map_err(|_| Refusal::new(c.id(), "is not printable ASCII"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(InnerList::with_params(items, params.write()?))
}

fn dictionary(field: &str, value: &str) -> Result<Dictionary, Refusal> {
    Parser::new(value).parse().map_err(|e| {
        Refusal::new(
            field,
            format!("not a structured-field dictionary (RFC 9421 section 4): {e}"),
        )
    })
}

/// Reads the one signature in `signature_input` and `signature` and rebuilds its signature
/// base from `request`. Nothing is verified yet: see [`crate::verify_request`].
pub fn read_signature(
    request: &Request,
    signature_input: &str,
    signature: &str,
) -> Result<Signed, Refusal> {
    let inputs = dictionary(SIGNATURE_INPUT, signature_input)?;
    let signatures = dictionary(SIGNATURE, signature)?;
    let (label, entry) = match inputs.len() {
        1 => inputs.iter().next().expect("one entry"),
        n => {
            return Err(Refusal::new(
                SIGNATURE_INPUT,
                format!("holds {n} signatures; this node checks exactly one, the member's"),
            ));
        }
    };
    if signatures.len() != 1 {
        return Err(Refusal::new(
            SIGNATURE,
            format!(
                "holds {} signatures; this node checks exactly one, the member's",
                signatures.len()
            ),
        ));
    }
    let ListEntry::InnerList(list) = entry else {
        return Err(Refusal::new(
            SIGNATURE_INPUT,
            format!("{label} must be an inner list of covered components, (\"@method\" …)"),
        ));
    };
    let mut components = Vec::with_capacity(list.items.len());
    for item in &list.items {
        let Some(id) = item.bare_item.as_string() else {
            return Err(Refusal::new(
                SIGNATURE_INPUT,
                "every covered component must be a string, as \"@method\"",
            ));
        };
        if !item.params.is_empty() {
            return Err(Refusal::new(
                SIGNATURE_INPUT,
                format!(
                    "{:?} has parameters; this node accepts covered components without them (no ;sf, ;key, ;bs or ;req)",
                    id.as_str()
                ),
            ));
        }
        let c = Component::parse(id.as_str())?;
        if components.contains(&c) {
            return Err(Refusal::new(
                SIGNATURE_INPUT,
                format!("covers {:?} twice", c.id()),
            ));
        }
        components.push(c);
    }
    let params = Params::read(list)?;
    let sig = match signatures.get(label) {
        Some(ListEntry::Item(Item {
            bare_item: BareItem::ByteSequence(b),
            ..
        })) => b.clone(),
        Some(_) => {
            return Err(Refusal::new(
                SIGNATURE,
                format!("{label} must be a byte sequence, :BASE64:"),
            ));
        }
        None => {
            return Err(Refusal::new(
                SIGNATURE,
                format!("has no signature labelled {label}, the label in signature-input"),
            ));
        }
    };
    let base = signature_base(request, &components, &serialize_inner_list(list))?;
    Ok(Signed {
        label: label.as_str().to_owned(),
        components,
        params,
        signature: sig,
        base,
    })
}
