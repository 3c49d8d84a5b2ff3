//! The parts of a request a signature can cover, and the signature base built from them
//! (RFC 9421 sections 2 and 2.5).

use crate::Refusal;

/// A request as both sides of a signature see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The method, as sent (`GET`).
    pub method: String,
    /// The scheme of the target URI (`http`, `https`).
    pub scheme: String,
    /// The target's host and port, lowercase, without a default port (`127.0.0.1:7700`).
    pub authority: String,
    /// The absolute path as sent, percent-encoding kept (`/v1/blocks/3`).
    pub path: String,
    /// The query without its `?`, when the target has one.
    pub query: Option<String>,
    /// Field lines in the order received, names lowercase.
    pub fields: Vec<(String, String)>,
}

impl Request {
    /// A request to `url` (absolute: `scheme://authority/path?query`) with no fields yet.
    /// The authority is lowercased and a default port (80, 443) dropped, as HTTP normalises
    /// it (RFC 9110 section 4.2.3).
    pub fn to_url(method: &str, url: &str) -> Result<Request, Refusal> {
        let bad = |why: &str| Refusal::new("@target-uri", format!("{url:?}: {why}"));
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| bad("not an absolute URL"))?;
        let scheme = scheme.to_ascii_lowercase();
        let (authority, target) = match rest.find(['/', '?', '#']) {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        if authority.is_empty() || authority.contains('@') {
            return Err(bad("needs a host, without user information"));
        }
        let target = target.split('#').next().unwrap_or("");
        let (path, query) = match target.split_once('?') {
            Some((p, q)) => (p, Some(q.to_owned())),
            None => (target, None),
        };
        Ok(Request {
            method: method.to_owned(),
            authority: normalise_authority(&scheme, authority),
            scheme,
            path: if path.is_empty() { "/" } else { path }.to_owned(),
            query,
            fields: Vec::new(),
        })
    }

    /// The same request with one more field line.
    pub fn with_field(mut self, name: &str, value: impl Into<String>) -> Request {
        self.fields.push((name.to_ascii_lowercase(), value.into()));
        self
    }

    /// A field's value as RFC 9421 section 2.1 canonicalises it: each line's value trimmed,
    /// lines joined by `", "`. `None` when the request has no such field.
    pub fn field(&self, name: &str) -> Option<String> {
        let mut lines = self
            .fields
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim_matches([' ', '\t']))
            .peekable();
        lines.peek()?;
        Some(lines.collect::<Vec<_>>().join(", "))
    }

    /// A component's value in the signature base, or `None` when the request has no such
    /// field.
    pub fn value(&self, component: &Component) -> Option<String> {
        let query = || match &self.query {
            Some(q) => format!("?{q}"),
            None => String::new(),
        };
        Some(match component {
            Component::Method => self.method.clone(),
            Component::Authority => self.authority.clone(),
            Component::Scheme => self.scheme.clone(),
            Component::Path => self.path.clone(),
            Component::Query => format!("?{}", self.query.as_deref().unwrap_or("")),
            Component::RequestTarget => format!("{}{}", self.path, query()),
            Component::TargetUri => {
                format!(
                    "{}://{}{}{}",
                    self.scheme,
                    self.authority,
                    self.path,
                    query()
                )
            }
            Component::Field(name) => return self.field(name),
        })
    }
}

/// `host[:port]` lowercase, without the scheme's default port (RFC 9421's `@authority`).
pub fn normalise_authority(scheme: &str, authority: &str) -> String {
    let authority = authority.to_ascii_lowercase();
    let default = match scheme {
        "http" => Some(":80"),
        "https" => Some(":443"),
        _ => None,
    };
    match default.and_then(|d| authority.strip_suffix(d)) {
        Some(host) if !host.ends_with(':') => host.to_owned(),
        _ => authority,
    }
}

/// A component a signature covers (RFC 9421 section 2): a derived component of the request,
/// or one of its fields.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Component {
    /// `@method`.
    Method,
    /// `@authority`.
    Authority,
    /// `@scheme`.
    Scheme,
    /// `@path`.
    Path,
    /// `@query`.
    Query,
    /// `@request-target`.
    RequestTarget,
    /// `@target-uri`.
    TargetUri,
    /// A field, by its lowercase name.
    Field(String),
}

impl Component {
    /// The component an identifier names; derived components this profile does not accept
    /// (`@query-param`, `@status`) and field names that are not lowercase tokens are refused.
    pub fn parse(id: &str) -> Result<Component, Refusal> {
        Ok(match id {
            "@method" => Component::Method,
            "@authority" => Component::Authority,
            "@scheme" => Component::Scheme,
            "@path" => Component::Path,
            "@query" => Component::Query,
            "@request-target" => Component::RequestTarget,
            "@target-uri" => Component::TargetUri,
            d if d.starts_with('@') => {
                return Err(Refusal::new(
                    crate::SIGNATURE_INPUT,
                    format!(
                        "covers {d:?}, a derived component this node does not sign with (it accepts @method, @authority, @scheme, @path, @query, @request-target and @target-uri)"
                    ),
                ));
            }
            f if !f.is_empty()
                && f.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b"!#$%&'*+-.^_`|~".contains(&b)
                }) =>
            {
                Component::Field(f.to_owned())
            }
            f => {
                return Err(Refusal::new(
                    crate::SIGNATURE_INPUT,
                    format!("covers {f:?}, which is not a field name (lowercase token characters)"),
                ));
            }
        })
    }

    /// The identifier, as the signature base names it.
    pub fn id(&self) -> &str {
        match self {
            Component::Method => "@method",
            Component::Authority => "@authority",
            Component::Scheme => "@scheme",
            Component::Path => "@path",
            Component::Query => "@query",
            Component::RequestTarget => "@request-target",
            Component::TargetUri => "@target-uri",
            Component::Field(f) => f,
        }
    }
}

/// The signature base (RFC 9421 section 2.5): one line per covered component, then the
/// `@signature-params` line holding `params`, the serialised inner list.
pub(crate) fn signature_base(
    request: &Request,
    components: &[Component],
    params: &str,
) -> Result<Vec<u8>, Refusal> {
    let mut base = String::new();
    for c in components {
        let value = request.value(c).ok_or_else(|| {
            Refusal::new(
                c.id(),
                "the signature covers this field but the request does not carry it",
            )
        })?;
        if value.contains(['\n', '\r']) {
            return Err(Refusal::new(c.id(), "holds a line break"));
        }
        base.push_str(&format!("\"{}\": {value}\n", c.id()));
    }
    base.push_str(&format!("\"@signature-params\": {params}"));
    Ok(base.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_gives_the_derived_components_as_the_rfc_defines_them() {
        let r = Request::to_url("POST", "HTTP://Example.COM:80/foo?param=Value&Pet=dog#x")
            .expect("url");
        let v = |c| r.value(&c).expect("value");
        assert_eq!(v(Component::Authority), "example.com");
        assert_eq!(v(Component::Scheme), "http");
        assert_eq!(v(Component::Path), "/foo");
        assert_eq!(v(Component::Query), "?param=Value&Pet=dog");
        assert_eq!(v(Component::RequestTarget), "/foo?param=Value&Pet=dog");
        assert_eq!(
            v(Component::TargetUri),
            "http://example.com/foo?param=Value&Pet=dog"
        );
        let bare = Request::to_url("GET", "https://node.example:8443").expect("url");
        assert_eq!(bare.value(&Component::Path).as_deref(), Some("/"));
        assert_eq!(bare.value(&Component::Query).as_deref(), Some("?"));
        assert_eq!(bare.authority, "node.example:8443");
        assert_eq!(
            Request::to_url("GET", "https://[::1]:443/x")
                .expect("v6")
                .authority,
            "[::1]"
        );
        for bad in ["/v1/blocks", "http:///x", "http://user@host/x"] {
            assert!(Request::to_url("GET", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn field_lines_are_trimmed_and_joined() {
        let r = Request::to_url("GET", "http://h/")
            .expect("url")
            .with_field("X-Multi", "  a ")
            .with_field("x-multi", "b\t");
        assert_eq!(r.field("x-multi").as_deref(), Some("a, b"));
        assert_eq!(r.field("absent"), None);
    }

    #[test]
    fn components_parse_and_name_themselves() {
        for id in [
            "@method",
            "@authority",
            "@scheme",
            "@path",
            "@query",
            "@request-target",
            "@target-uri",
            "content-digest",
        ] {
            assert_eq!(Component::parse(id).expect(id).id(), id);
        }
        for bad in ["@query-param", "@status", "Content-Digest", "", "a b"] {
            assert!(Component::parse(bad).is_err(), "{bad}");
        }
    }
}
