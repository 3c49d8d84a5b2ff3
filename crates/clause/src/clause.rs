//! A clause: CEL source, parsed by the `cel` crate, checked against a fact schema
//! ([`crate::check`]), then evaluated over facts to say whether it is kept.
//!
//! - **Parsing** runs on a thread of its own with a large stack: the `cel` crate's ANTLR
//!   parser takes a great deal of stack in debug builds, and a node must not depend on how
//!   much its caller has left. Nesting is limited to [`MAX_DEPTH`], the source to
//!   [`MAX_SOURCE`] bytes.
//! - **Facts** are given as JSON and checked against the schema before evaluation: each
//!   type, and each list within its maximum (what bounds the cost the check computed).
//!   Integers must be whole numbers within 64 bits; nothing else is a number.
//! - **Evaluation** reads nothing but the facts: no clock, no randomness, no environment;
//!   records are looked up by field, never iterated.

use crate::check::{self, CheckError};
use crate::schema::{Schema, Ty};
use cel::common::ast::IdedExpr;
use cel::objects::{Key, Map, Value};
use std::sync::Arc;

/// Longest clause, in bytes.
pub const MAX_SOURCE: usize = 4096;
/// Deepest nesting the parser accepts.
pub const MAX_DEPTH: u16 = 32;
/// The parser thread's stack.
const PARSE_STACK: usize = 64 * 1024 * 1024;

/// Why a clause is refused, with where in it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}{pointer}")]
pub struct ClauseError {
    /// What is wrong.
    pub message: String,
    /// The line of the clause and a caret under the place, or empty.
    pub pointer: String,
    /// 1-based line and column of the place, if known.
    pub at: Option<(usize, usize)>,
}

fn pointer_at(source: &str, offset: usize) -> (String, (usize, usize)) {
    let before = &source[..offset.min(source.len())];
    let line_no = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = source[line_start..].lines().next().unwrap_or("");
    let col = source[line_start..offset.min(source.len())].chars().count();
    (
        format!("\n  {line}\n  {}^", " ".repeat(col)),
        (line_no, col + 1),
    )
}

fn located(source: &str, e: CheckError) -> ClauseError {
    let found = e.near.as_deref().and_then(|near| find_token(source, near));
    match found {
        Some(offset) => {
            let (pointer, at) = pointer_at(source, offset);
            ClauseError {
                message: e.message,
                pointer,
                at: Some(at),
            }
        }
        None => ClauseError {
            message: e.message,
            pointer: String::new(),
            at: None,
        },
    }
}

/// Where `needle` first stands in `source` as a token of its own (not inside a longer
/// name, not inside a string literal), or failing that anywhere.
fn find_token(source: &str, needle: &str) -> Option<usize> {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let mut in_string: Option<char> = None;
    let chars: Vec<(usize, char)> = source.char_indices().collect();
    for (i, &(at, c)) in chars.iter().enumerate() {
        match in_string {
            Some(q) if c == q => in_string = None,
            Some(_) => continue,
            None if c == '"' || c == '\'' => in_string = Some(c),
            None => {}
        }
        if in_string.is_some() || !source[at..].starts_with(needle) {
            continue;
        }
        let before_ok = i == 0 || !word(chars[i - 1].1) || !needle.starts_with(word);
        let end = at + needle.len();
        let after_ok =
            source[end..].chars().next().is_none_or(|n| !word(n)) || !needle.ends_with(word);
        if before_ok && after_ok {
            return Some(at);
        }
    }
    source.find(needle)
}

/// Brackets balanced and nested at most [`MAX_DEPTH`] deep, outside string literals: checked
/// before the CEL parser sees the text (fuzzing found that unbalanced input trips a fault
/// in its depth counter).
fn nesting(source: &str) -> Result<(), ClauseError> {
    let mut open: Vec<(char, usize)> = Vec::new();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let fail = |message: String, offset: usize| {
        let (pointer, at) = pointer_at(source, offset);
        ClauseError {
            message,
            pointer,
            at: Some(at),
        }
    };
    // The last character outside strings that was not white space.
    let mut prev: Option<char> = None;
    // `?` and `:` outside strings, and where the last `?` is.
    let (mut questions, mut colons, mut last_question) = (0usize, 0usize, 0usize);
    for (at, c) in source.char_indices() {
        if let Some(q) = quote {
            match c {
                // The `cel` crate reads `\'` inside "…" (and `\"` inside '…') as something
                // else than the quote, against the specification (the conformance data
                // caught it): refused, the quote needs no backslash there.
                '\'' | '"' if escaped && c != q => {
                    return Err(fail(
                        format!(
                            "syntax: write {c} without a backslash inside {q}…{q}: the CEL library misreads `\\{c}` there"
                        ),
                        at,
                    ));
                }
                // A quoted string ends on its line: the parser's lexer does not carry it
                // over, so the brackets after it would be counted differently here than
                // there (fuzzing found it).
                '\n' | '\r' => {
                    return Err(fail(
                        format!("syntax: a string opened with {q} is not closed on its line"),
                        at,
                    ));
                }
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                _ if c == q => quote = None,
                _ => {}
            }
            continue;
        }
        if c.is_whitespace() {
            continue;
        }
        // The `cel` crate reads `!!x` as `!x` and `--x` as `-x`, against the specification
        // (the conformance data caught it): two in a row are refused.
        if (c == '!' || c == '-') && prev == Some(c) {
            return Err(fail(
                format!(
                    "syntax: two `{c}` in a row: the CEL library reads `{c}{c}x` as `{c}x`; write it without them, or as {c}({c}x)"
                ),
                at,
            ));
        }
        prev = Some(c);
        if c == '?' {
            questions += 1;
            last_question = at;
        } else if c == ':' {
            colons += 1;
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '(' | '[' | '{' => {
                open.push((c, at));
                if open.len() > usize::from(MAX_DEPTH) {
                    return Err(fail(
                        format!("syntax: nested more than {MAX_DEPTH} deep"),
                        at,
                    ));
                }
            }
            ')' | ']' | '}' => {
                let want = match c {
                    ')' => '(',
                    ']' => '[',
                    _ => '{',
                };
                match open.pop() {
                    Some((o, _)) if o == want => {}
                    _ => return Err(fail(format!("syntax: `{c}` closes nothing open"), at)),
                }
            }
            _ => {}
        }
    }
    if let Some((c, at)) = open.pop() {
        return Err(fail(format!("syntax: `{c}` is never closed"), at));
    }
    // A `?` without its `:` trips the same fault in the parser's depth counter (fuzzing
    // found it with a run of them).
    if questions > colons {
        return Err(fail(
            "syntax: a `?` without its `:` (a ? b : c)".into(),
            last_question,
        ));
    }
    if quote.is_some() {
        return Err(fail(
            "syntax: a string is never closed".into(),
            source.len(),
        ));
    }
    Ok(())
}

/// A clause that passed the check.
#[derive(Debug, Clone)]
pub struct Clause {
    source: String,
    expr: IdedExpr,
    /// Its worst-case cost (expression steps with every fact list at its maximum).
    pub cost: u64,
    /// The schema version it was checked against.
    pub schema: u32,
    schema_name: &'static str,
}

impl Clause {
    /// Parses `source` and checks it against `schema`.
    pub fn compile(source: &str, schema: &Schema) -> Result<Clause, ClauseError> {
        if source.len() > MAX_SOURCE {
            return Err(ClauseError {
                message: format!("a clause is at most {MAX_SOURCE} bytes"),
                pointer: String::new(),
                at: None,
            });
        }
        nesting(source)?;
        let owned = source.to_owned();
        let parsed = std::thread::Builder::new()
            .name("cel-parse".into())
            .stack_size(PARSE_STACK)
            .spawn(move || {
                cel::parser::Parser::new()
                    .max_recursion_depth(MAX_DEPTH)
                    .parse(&owned)
                    .map_err(|errors| {
                        errors
                            .errors
                            .first()
                            .map(|e| (e.msg.clone(), e.pos))
                            .unwrap_or_else(|| ("does not parse".into(), (0, 0)))
                    })
            })
            .map_err(|e| ClauseError {
                message: format!("cannot start the parser: {e}"),
                pointer: String::new(),
                at: None,
            })?
            .join()
            .map_err(|_| ClauseError {
                message: "the clause could not be parsed".into(),
                pointer: String::new(),
                at: None,
            })?;
        let expr = parsed.map_err(|(msg, (line, col))| {
            // The parser's position: 1-based line, 0-based column.
            let line = usize::try_from(line).unwrap_or(1).max(1);
            let col = usize::try_from(col).unwrap_or(0);
            let offset = source
                .split_inclusive('\n')
                .take(line - 1)
                .map(str::len)
                .sum::<usize>()
                + source
                    .split_inclusive('\n')
                    .nth(line - 1)
                    .map_or(0, |l| l.char_indices().nth(col).map_or(l.len(), |(b, _)| b));
            let (pointer, at) = pointer_at(source, offset);
            ClauseError {
                message: format!("syntax: {msg}"),
                pointer,
                at: Some(at),
            }
        })?;
        let cost = check::check(&expr, schema).map_err(|e| located(source, e))?;
        Ok(Clause {
            source: source.to_owned(),
            expr,
            cost,
            schema: schema.version,
            schema_name: schema.name,
        })
    }

    /// The clause as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether the clause is kept, over `facts` (checked against `schema` first).
    pub fn evaluate(&self, schema: &Schema, facts: &serde_json::Value) -> Result<bool, String> {
        self.evaluate_prepared(&Facts::prepare(schema, facts)?)
    }

    /// Whether the clause is kept, over facts already checked and converted (what a height
    /// evaluating many agreements over the same facts does once).
    pub fn evaluate_prepared(&self, facts: &Facts) -> Result<bool, String> {
        if (facts.schema_name, facts.schema) != (self.schema_name, self.schema) {
            return Err(format!(
                "facts of the {} schema version {}, a clause of the {} schema version {}",
                facts.schema_name, facts.schema, self.schema_name, self.schema
            ));
        }
        let mut ctx = cel::Context::default();
        // CEL's size of a string counts code points; the crate's counts bytes.
        ctx.add_function("size", size);
        for (name, value) in &facts.roots {
            ctx.add_variable_from_value(*name, value.clone());
        }
        // A fault in the CEL library (a panic) is an evaluation error, the same on every
        // validator: its overflow checks stay on in release builds too.
        let resolved = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            Value::resolve(&self.expr, &ctx)
        }))
        .map_err(|_| "evaluation: the CEL library failed on this clause".to_owned())?;
        match resolved {
            Ok(Value::Bool(b)) => Ok(b),
            Ok(other) => Err(format!("the clause gave {other:?}, not a bool")),
            Err(e) => Err(format!("evaluation: {e}")),
        }
    }
}

/// Facts checked against a schema and converted for evaluation, once.
#[derive(Debug, Clone)]
pub struct Facts {
    schema: u32,
    schema_name: &'static str,
    roots: Vec<(&'static str, Value)>,
}

impl Facts {
    /// Checks `facts` (JSON) against `schema` — every root present, each type, each list
    /// within its maximum, nothing more — and converts them.
    pub fn prepare(schema: &Schema, facts: &serde_json::Value) -> Result<Facts, String> {
        let serde_json::Value::Object(given) = facts else {
            return Err("facts: a JSON object of the schema's roots".into());
        };
        let mut roots = Vec::with_capacity(schema.roots.len());
        for (name, ty) in &schema.roots {
            let value = given
                .get(*name)
                .ok_or_else(|| format!("facts: {name} is missing"))?;
            roots.push((*name, to_cel(value, ty, name)?));
        }
        if let Some(extra) = given
            .keys()
            .find(|k| !schema.roots.contains_key(k.as_str()))
        {
            return Err(format!(
                "facts: {extra} is not in schema version {}",
                schema.version
            ));
        }
        Ok(Facts {
            schema: schema.version,
            schema_name: schema.name,
            roots,
        })
    }
}

/// `size`: a list's elements, a string's Unicode code points (as the CEL specification and
/// cel-go count them; the `cel` crate's own counts UTF-8 bytes, which the differential
/// test against cel-python caught with a Nepali word).
fn size(
    ftx: &cel::FunctionContext,
    cel::extractors::This(this): cel::extractors::This<Value>,
) -> Result<i64, cel::ExecutionError> {
    let n = match this {
        Value::List(l) => l.len(),
        Value::String(s) => s.chars().count(),
        other => return Err(ftx.error(format!("cannot determine the size of {other:?}"))),
    };
    i64::try_from(n).map_err(|_| ftx.error("size beyond 64 bits"))
}

/// A fact as CEL sees it, checked against its type on the way. A record becomes the `cel`
/// crate's map, which is a `HashMap`: a clause only looks its fields up by name, and the
/// check refuses any iteration over a map, so its order never reaches a result.
#[allow(clippy::disallowed_types)]
fn to_cel(v: &serde_json::Value, ty: &Ty, path: &str) -> Result<Value, String> {
    use serde_json::Value as J;
    let wrong = || format!("facts: {path} is not a {}", ty.name());
    Ok(match (ty, v) {
        (Ty::Bool, J::Bool(b)) => Value::Bool(*b),
        (Ty::Int, J::Number(n)) => Value::Int(n.as_i64().ok_or_else(wrong)?),
        (Ty::String, J::String(s)) => Value::String(Arc::new(s.clone())),
        (Ty::List(t, max), J::Array(items)) => {
            if items.len() as u64 > *max {
                return Err(format!(
                    "facts: {path} holds {} elements, over the schema's {max}",
                    items.len()
                ));
            }
            let list: Result<Vec<Value>, String> = items
                .iter()
                .enumerate()
                .map(|(i, item)| to_cel(item, t, &format!("{path}[{i}]")))
                .collect();
            Value::List(Arc::new(list?))
        }
        (Ty::Record(fields), J::Object(o)) => {
            let mut map = std::collections::HashMap::with_capacity(fields.len());
            for (name, t) in fields {
                let item = o
                    .get(*name)
                    .ok_or_else(|| format!("facts: {path}.{name} is missing"))?;
                map.insert(
                    Key::String(Arc::new((*name).to_owned())),
                    to_cel(item, t, &format!("{path}.{name}"))?,
                );
            }
            if let Some(extra) = o.keys().find(|k| !fields.contains_key(k.as_str())) {
                return Err(format!("facts: {path}.{extra} is not in the schema"));
            }
            Value::Map(Map { map: Arc::new(map) })
        }
        _ => return Err(wrong()),
    })
}
