//! The `#[pgtusk(...)]` attributes of containers, fields and variants.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Attribute, LitStr, Path, Type};

use crate::case::RenameRule;

/// Attributes on the struct or enum.
#[derive(Default)]
pub struct Container {
    /// `crate = "path"`: where pgtusk is (default `::pgtusk`).
    pub krate: Option<Path>,
    /// `rename_all = "..."`.
    pub rename_all: Option<RenameRule>,
    /// `transparent`, with its span.
    pub transparent: Option<Span>,
}

/// Attributes on a field.
#[derive(Default)]
pub struct Field {
    /// `rename = "col"`.
    pub rename: Option<LitStr>,
    /// `default`, with its span.
    pub default: Option<Span>,
    /// `flatten`, with its span.
    pub flatten: Option<Span>,
    /// `try_from = "Type"`.
    pub try_from: Option<Type>,
    /// `skip`, with its span.
    pub skip: Option<Span>,
}

/// Attributes on an enum variant.
#[derive(Default)]
pub struct Variant {
    /// `rename = "label"`.
    pub rename: Option<LitStr>,
}

/// Sets `slot` once; a second time is an error at `span`.
fn once<T>(slot: &mut Option<T>, value: T, span: Span, key: &str) -> syn::Result<()> {
    if slot.is_some() {
        return Err(syn::Error::new(span, format!("duplicate `{key}` attribute")));
    }
    *slot = Some(value);
    Ok(())
}

/// Calls `f` for each `key` or `key = value` inside every `#[pgtusk(...)]` of `attrs`.
fn each(
    attrs: &[Attribute],
    mut f: impl FnMut(&syn::meta::ParseNestedMeta<'_>, &str) -> syn::Result<()>,
) -> syn::Result<()> {
    for attr in attrs.iter().filter(|a| a.path().is_ident("pgtusk")) {
        attr.parse_nested_meta(|meta| {
            let key = meta.path.get_ident().map(ToString::to_string).unwrap_or_default();
            f(&meta, &key)
        })?;
    }
    Ok(())
}

impl Container {
    /// Reads the container attributes.
    pub fn parse(attrs: &[Attribute]) -> syn::Result<Self> {
        let mut out = Self::default();
        each(attrs, |meta, key| {
            let span = meta.path.span();
            match key {
                "crate" => {
                    let path = meta.value()?.parse::<LitStr>()?.parse::<Path>()?;
                    once(&mut out.krate, path, span, key)
                }
                "rename_all" => {
                    let lit = meta.value()?.parse::<LitStr>()?;
                    let rule = RenameRule::parse(&lit)?;
                    once(&mut out.rename_all, rule, span, key)
                }
                "transparent" => once(&mut out.transparent, span, span, key),
                _ => Err(meta.error(
                    "unknown pgtusk container attribute (expected `crate`, `rename_all` or \
                     `transparent`)",
                )),
            }
        })?;
        Ok(out)
    }

    /// The path to the pgtusk crate.
    pub fn krate(&self) -> Path {
        self.krate.clone().unwrap_or_else(|| syn::parse_quote!(::pgtusk))
    }
}

impl Field {
    /// Reads a field's attributes.
    pub fn parse(attrs: &[Attribute]) -> syn::Result<Self> {
        let mut out = Self::default();
        each(attrs, |meta, key| {
            let span = meta.path.span();
            match key {
                "rename" => {
                    let lit = meta.value()?.parse::<LitStr>()?;
                    once(&mut out.rename, lit, span, key)
                }
                "default" => once(&mut out.default, span, span, key),
                "flatten" => once(&mut out.flatten, span, span, key),
                "skip" => once(&mut out.skip, span, span, key),
                "try_from" => {
                    let ty = meta.value()?.parse::<LitStr>()?.parse::<Type>()?;
                    once(&mut out.try_from, ty, span, key)
                }
                _ => Err(meta.error(
                    "unknown pgtusk field attribute (expected `rename`, `default`, `flatten`, \
                     `try_from` or `skip`)",
                )),
            }
        })?;
        out.check()?;
        Ok(out)
    }

    /// Rejects combinations that contradict each other.
    fn check(&self) -> syn::Result<()> {
        if let Some(span) = self.skip
            && (self.rename.is_some()
                || self.default.is_some()
                || self.flatten.is_some()
                || self.try_from.is_some())
        {
            return Err(syn::Error::new(span, "`skip` cannot be combined with other attributes"));
        }
        if let Some(span) = self.flatten
            && (self.rename.is_some() || self.default.is_some() || self.try_from.is_some())
        {
            return Err(syn::Error::new(
                span,
                "`flatten` cannot be combined with `rename`, `default` or `try_from`",
            ));
        }
        Ok(())
    }
}

impl Variant {
    /// Reads a variant's attributes.
    pub fn parse(attrs: &[Attribute]) -> syn::Result<Self> {
        let mut out = Self::default();
        each(attrs, |meta, key| {
            let span = meta.path.span();
            match key {
                "rename" => {
                    let lit = meta.value()?.parse::<LitStr>()?;
                    once(&mut out.rename, lit, span, key)
                }
                _ => Err(meta.error("unknown pgtusk variant attribute (expected `rename`)")),
            }
        })?;
        Ok(out)
    }
}
