//! The type check a clause passes before an agreement is accepted: every name is a fact of
//! the schema, every operator gets the types it takes, the clause answers a bool, and its
//! worst-case cost — with every fact list at its schema maximum — is within the limit.
//!
//! The check walks the `cel` crate's parsed expression. What a clause may use is a subset of
//! CEL chosen so that evaluation is exact and the same everywhere: no floating point, no
//! unsigned integers, no null, no bytes, no map or message literals, no iteration over a
//! map (its order is not defined), no timestamps or durations (block time is an integer of
//! milliseconds), no regular expressions.

use crate::schema::{Schema, Ty};
use cel::common::ast::{ComprehensionExpr, Expr, IdedExpr, LiteralValue};
use std::collections::BTreeMap;

/// The most work one evaluation may do, in expression steps, with every list at its
/// schema maximum.
pub const MAX_COST: u64 = 5_000_000;

/// What is wrong with a clause, and the text of it to point at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckError {
    /// What is wrong.
    pub message: String,
    /// The part of the clause it is about (its first occurrence is pointed at).
    pub near: Option<String>,
}

fn err(message: impl Into<String>, near: Option<&str>) -> CheckError {
    CheckError {
        message: message.into(),
        near: near.map(str::to_owned),
    }
}

/// A type as the check sees it: the schema's, plus the list whose element type is not
/// known yet (`[]`).
#[derive(Debug, Clone, PartialEq, Eq)]
enum T {
    Bool,
    Int,
    String,
    List(Box<T>, u64),
    EmptyList,
    Record(BTreeMap<&'static str, Ty>),
}

impl T {
    fn of(t: &Ty) -> T {
        match t {
            Ty::Bool => T::Bool,
            Ty::Int => T::Int,
            Ty::String => T::String,
            Ty::List(e, max) => T::List(Box::new(T::of(e)), *max),
            Ty::Record(f) => T::Record(f.clone()),
        }
    }

    fn name(&self) -> String {
        match self {
            T::Bool => "bool".into(),
            T::Int => "int".into(),
            T::String => "string".into(),
            T::List(e, _) => format!("list of {}", e.name()),
            T::EmptyList => "empty list".into(),
            T::Record(_) => "record".into(),
        }
    }

    /// The bound on its length, for a list.
    fn max(&self) -> u64 {
        match self {
            T::List(_, m) => *m,
            _ => 0,
        }
    }
}

/// Two types that must be one (the branches of `?:`, the sides of `==`, list elements).
fn unify(a: &T, b: &T) -> Option<T> {
    match (a, b) {
        (T::EmptyList, T::List(..)) => Some(b.clone()),
        (T::List(..), T::EmptyList) => Some(a.clone()),
        (T::List(x, m), T::List(y, n)) => unify(x, y).map(|e| T::List(Box::new(e), (*m).max(*n))),
        _ if a == b => Some(a.clone()),
        _ => None,
    }
}

/// A checked clause's type and worst-case cost.
struct Checked {
    ty: T,
    cost: u64,
}

struct Checker<'s> {
    schema: &'s Schema,
    /// Comprehension variables in scope, innermost last.
    scope: Vec<(String, T)>,
}

/// Checks `expr` against `schema`: its result must be a bool. Returns its worst-case cost.
pub fn check(expr: &IdedExpr, schema: &Schema) -> Result<u64, CheckError> {
    let mut c = Checker {
        schema,
        scope: Vec::new(),
    };
    let out = c.expr(expr)?;
    if out.ty != T::Bool {
        return Err(err(
            format!(
                "a clause answers whether it is kept (a bool), not a {}",
                out.ty.name()
            ),
            None,
        ));
    }
    if out.cost > MAX_COST {
        return Err(err(
            format!(
                "too costly: up to {} steps with every fact list at its schema maximum, over the limit of {MAX_COST} (a loop inside a loop over two fact lists is the usual cause)",
                out.cost
            ),
            None,
        ));
    }
    Ok(out.cost)
}

impl Checker<'_> {
    fn expr(&mut self, e: &IdedExpr) -> Result<Checked, CheckError> {
        match &e.expr {
            Expr::Literal(l) => Ok(Checked {
                ty: literal(l)?,
                cost: 1,
            }),
            Expr::Ident(name) => self.ident(name),
            Expr::Select(s) => {
                let operand = self.expr(&s.operand)?;
                let T::Record(fields) = &operand.ty else {
                    return Err(err(
                        format!(".{}: a {} has no fields", s.field, operand.ty.name()),
                        Some(&s.field),
                    ));
                };
                let Some(field) = fields.get(s.field.as_str()) else {
                    let known: Vec<&str> = fields.keys().copied().collect();
                    return Err(err(
                        format!(
                            "unknown fact field `{}`; this record has: {}",
                            s.field,
                            known.join(", ")
                        ),
                        Some(&s.field),
                    ));
                };
                Ok(Checked {
                    // `has(x.f)`: every field of a fact record is always present.
                    ty: if s.test { T::Bool } else { T::of(field) },
                    cost: operand.cost + 1,
                })
            }
            Expr::List(l) => {
                let mut ty = T::EmptyList;
                let mut cost: u64 = 1;
                for el in &l.elements {
                    let c = self.expr(el)?;
                    cost += c.cost;
                    ty = match &ty {
                        T::EmptyList => T::List(Box::new(c.ty), 0),
                        T::List(t, _) => match unify(t, &c.ty) {
                            Some(u) => T::List(Box::new(u), 0),
                            None => {
                                return Err(err(
                                    format!(
                                        "a list holds one type: {} and {}",
                                        t.name(),
                                        c.ty.name()
                                    ),
                                    None,
                                ));
                            }
                        },
                        _ => unreachable!("a list literal's type is a list"),
                    };
                }
                if let T::List(t, _) = ty {
                    ty = T::List(t, l.elements.len() as u64);
                }
                Ok(Checked { ty, cost })
            }
            Expr::Map(_) | Expr::Struct(_) => Err(err(
                "no map or message literals in a clause: compare facts, lists, strings and integers",
                Some("{"),
            )),
            Expr::Comprehension(c) => self.comprehension(c),
            Expr::Call(call) => self.call(&call.func_name, call.target.as_deref(), &call.args),
            Expr::Unspecified => Err(err("an empty expression", None)),
        }
    }

    fn ident(&self, name: &str) -> Result<Checked, CheckError> {
        if let Some((_, t)) = self.scope.iter().rev().find(|(n, _)| n == name) {
            return Ok(Checked {
                ty: t.clone(),
                cost: 1,
            });
        }
        match self.schema.roots.get(name) {
            Some(t) => Ok(Checked {
                ty: T::of(t),
                cost: 1,
            }),
            None => {
                let known: Vec<&str> = self.schema.roots.keys().copied().collect();
                Err(err(
                    format!(
                        "unknown fact `{name}`; schema version {} has: {}",
                        self.schema.version,
                        known.join(", ")
                    ),
                    Some(name),
                ))
            }
        }
    }

    fn comprehension(&mut self, c: &ComprehensionExpr) -> Result<Checked, CheckError> {
        let range = self.expr(&c.iter_range)?;
        let elem = match &range.ty {
            T::List(e, _) => (**e).clone(),
            T::EmptyList => T::Int,
            other => {
                return Err(err(
                    format!(
                        "a macro (all, exists, exists_one, map, filter) runs over a list, not a {}",
                        other.name()
                    ),
                    Some(&c.iter_var),
                ));
            }
        };
        if c.iter_var2.is_some() {
            return Err(err(
                "two-variable comprehensions are not part of the clause language",
                Some(&c.iter_var),
            ));
        }
        let init = self.expr(&c.accu_init)?;
        self.scope.push((c.iter_var.clone(), elem));
        self.scope.push((c.accu_var.clone(), init.ty.clone()));
        let cond = self.expr(&c.loop_cond);
        let step = self.expr(&c.loop_step);
        self.scope.pop();
        let (cond, step) = (cond?, step?);
        // The accumulator's type after a step (a `map` grows `[]` into a list of x).
        let accu = unify(&init.ty, &step.ty).ok_or_else(|| {
            err(
                format!(
                    "the macro's accumulator starts as {} and becomes {}",
                    init.ty.name(),
                    step.ty.name()
                ),
                Some(&c.iter_var),
            )
        })?;
        // A macro that builds a list builds at most one element per element it runs over.
        let accu = match accu {
            T::List(t, _) => T::List(t, range.ty.max()),
            other => other,
        };
        self.scope.pop();
        if cond.ty != T::Bool {
            return Err(err("a macro's condition is a bool", Some(&c.iter_var)));
        }
        self.scope.push((c.accu_var.clone(), accu));
        let result = self.expr(&c.result);
        self.scope.pop();
        let result = result?;
        let per = cond.cost.saturating_add(step.cost);
        Ok(Checked {
            ty: result.ty,
            cost: range
                .cost
                .saturating_add(init.cost)
                .saturating_add(range.ty.max().saturating_mul(per))
                .saturating_add(result.cost),
        })
    }

    fn call(
        &mut self,
        name: &str,
        target: Option<&IdedExpr>,
        args: &[IdedExpr],
    ) -> Result<Checked, CheckError> {
        if name == "-_" {
            // The `cel` crate negates an int without an overflow check (a panic in a debug
            // build, a silent wrap in a release one: two validators could disagree), so a
            // minus sign goes only on a number, where it cannot overflow.
            let on_literal = matches!(
                args.first().map(|a| &a.expr),
                Some(Expr::Literal(LiteralValue::Int(i))) if *i.inner() != i64::MIN
            );
            if !on_literal {
                return Err(err(
                    "a minus sign goes on a number only; write 0 - x for the negative of x",
                    Some("-"),
                ));
            }
        }
        let mut cost: u64 = 1;
        let mut tys = Vec::new();
        for a in target.into_iter().chain(args) {
            let c = self.expr(a)?;
            cost = cost.saturating_add(c.cost);
            tys.push(c.ty);
        }
        let shown = display_name(name);
        let wrong = |tys: &[T]| {
            let names: Vec<String> = tys.iter().map(T::name).collect();
            err(
                format!("`{shown}` does not take ({})", names.join(", ")),
                Some(shown.as_str()),
            )
        };
        let ty = match (name, target.is_some(), tys.as_slice()) {
            ("_&&_" | "_||_", false, [T::Bool, T::Bool]) => T::Bool,
            ("!_" | "@not_strictly_false", false, [T::Bool]) => T::Bool,
            ("-_", false, [T::Int]) => T::Int,
            ("_-_" | "_*_" | "_/_" | "_%_", false, [T::Int, T::Int]) => T::Int,
            ("_+_", false, [T::Int, T::Int]) => T::Int,
            ("_+_", false, [T::String, T::String]) => T::String,
            ("_+_", false, [a, b]) if matches!(a, T::List(..) | T::EmptyList) => {
                let u = unify(a, b).ok_or_else(|| wrong(&tys))?;
                match u {
                    T::List(t, _) => T::List(t, a.max().saturating_add(b.max())),
                    other => other,
                }
            }
            ("_<_" | "_<=_" | "_>_" | "_>=_", false, [T::Int, T::Int])
            | ("_<_" | "_<=_" | "_>_" | "_>=_", false, [T::String, T::String]) => T::Bool,
            ("_==_" | "_!=_", false, [a, b]) => {
                unify(a, b).ok_or_else(|| wrong(&tys))?;
                T::Bool
            }
            ("_?_:_", false, [T::Bool, a, b]) => unify(a, b).ok_or_else(|| wrong(&tys))?,
            ("@in", false, [x, T::List(e, m)]) => {
                unify(x, e).ok_or_else(|| wrong(&tys))?;
                cost = cost.saturating_add(*m);
                T::Bool
            }
            ("_[_]", false, [T::List(e, _), T::Int]) => (**e).clone(),
            ("size", _, [T::List(..) | T::EmptyList | T::String]) => T::Int,
            ("contains" | "startsWith" | "endsWith", true, [T::String, T::String]) => T::Bool,
            (
                "_&&_"
                | "_||_"
                | "!_"
                | "@not_strictly_false"
                | "-_"
                | "_-_"
                | "_*_"
                | "_/_"
                | "_%_"
                | "_+_"
                | "_<_"
                | "_<=_"
                | "_>_"
                | "_>=_"
                | "_==_"
                | "_!=_"
                | "_?_:_"
                | "@in"
                | "_[_]"
                | "size"
                | "contains"
                | "startsWith"
                | "endsWith",
                _,
                _,
            ) => return Err(wrong(&tys)),
            _ => {
                return Err(err(
                    format!(
                        "`{shown}` is not a function clauses may use; they may use size, contains, startsWith, endsWith, in, the arithmetic and comparison operators and the macros all, exists, exists_one, map, filter and has"
                    ),
                    Some(shown.as_str()),
                ));
            }
        };
        Ok(Checked { ty, cost })
    }
}

/// `_<=_` as the clause spells it: `<=`.
fn display_name(name: &str) -> String {
    match name {
        "@in" => "in".into(),
        "@not_strictly_false" => "all".into(),
        "_[_]" => "[]".into(),
        "_?_:_" => "?".into(),
        "!_" => "!".into(),
        "-_" => "-".into(),
        n if n.starts_with('_') && n.ends_with('_') && n.len() > 2 => {
            n.trim_matches('_').to_owned()
        }
        n => n.to_owned(),
    }
}

fn literal(l: &LiteralValue) -> Result<T, CheckError> {
    match l {
        LiteralValue::Boolean(_) => Ok(T::Bool),
        LiteralValue::Int(_) => Ok(T::Int),
        LiteralValue::String(_) => Ok(T::String),
        LiteralValue::Double(_) => Err(err(
            "no floating point in a clause: write money in integer minor units (150000 for 1500.00) and rates in whole percent",
            Some("."),
        )),
        LiteralValue::UInt(_) => Err(err(
            "no unsigned integers in a clause: write 5, not 5u",
            Some("u"),
        )),
        LiteralValue::Null => Err(err(
            "no null in a clause: every fact is always present",
            Some("null"),
        )),
        LiteralValue::Bytes(_) => Err(err("no bytes in a clause", Some("b"))),
    }
}
