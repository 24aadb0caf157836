//! Derive macros for [pgtusk](https://docs.rs/pgtusk): `FromRow` for structs read from rows,
//! and `Dumper`/`Loader` for Rust types that stand for PostgreSQL enums, composite types and
//! domains. Use them through pgtusk (`pgtusk::FromRow`, `pgtusk::Dumper`, `pgtusk::Loader`,
//! with its default `derive` feature), which documents them with examples.
//!
//! The generated code names pgtusk as `::pgtusk`; a crate that renames or re-exports it says
//! where it is with `#[pgtusk(crate = "path::to::pgtusk")]`.

use proc_macro::TokenStream;
use proc_macro2::TokenStream as TokenStream2;
use quote::quote;
use syn::{DeriveInput, GenericParam, Generics, Ident, Path, parse_macro_input};

mod adapt;
mod attr;
mod case;
mod from_row;

/// Implements `pgtusk::FromRow` for a struct: named fields load the columns of the same names,
/// tuple-struct fields load the columns by position.
///
/// See `pgtusk::FromRow` for the attributes and examples.
#[proc_macro_derive(FromRow, attributes(pgtusk))]
pub fn derive_from_row(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    finish(from_row::expand(&input))
}

/// Implements `pgtusk::Dumper` for a unit-only enum (a PostgreSQL enum), a struct (a
/// composite type) or a newtype (its inner type, for domains).
///
/// See `pgtusk::Dumper` for the attributes and examples.
#[proc_macro_derive(Dumper, attributes(pgtusk))]
pub fn derive_dumper(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    finish(adapt::expand(&input, adapt::Side::Dumper))
}

/// Implements `pgtusk::Loader` for a unit-only enum (a PostgreSQL enum), a struct (a
/// composite type) or a newtype (its inner type, for domains).
///
/// See `pgtusk::Loader` for the attributes and examples.
#[proc_macro_derive(Loader, attributes(pgtusk))]
pub fn derive_loader(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    finish(adapt::expand(&input, adapt::Side::Loader))
}

/// The generated code, or the error as a `compile_error!` at its span.
fn finish(result: syn::Result<TokenStream2>) -> TokenStream {
    result.unwrap_or_else(syn::Error::into_compile_error).into()
}

/// The module of runtime helpers the generated code calls.
fn private_path(krate: &Path) -> TokenStream2 {
    quote!(#krate::types::record::private)
}

/// A field or variant name as written, without `r#`.
fn unraw(ident: &Ident) -> String {
    let s = ident.to_string();
    s.strip_prefix("r#").map_or_else(|| s.clone(), str::to_owned)
}

/// Loading cannot borrow into a type with lifetime parameters (the row or value is not
/// borrowed for the type's lifetime): an error at the first lifetime.
fn reject_lifetimes(generics: &Generics, what: &str) -> syn::Result<()> {
    match generics.lifetimes().next() {
        Some(lt) => Err(syn::Error::new(
            lt.lifetime.span(),
            format!(
                "{what} cannot be derived for a type with lifetime parameters: use owned field \
                 types (String, Vec<u8>, ...)"
            ),
        )),
        None => Ok(()),
    }
}

/// `generics` with `bounds` added to its where clause when it has type parameters (concrete
/// field types are checked where they are used, with errors pointing at the field).
fn add_bounds(generics: &Generics, bounds: &[TokenStream2]) -> Generics {
    let mut out = generics.clone();
    if generics.params.iter().any(|p| matches!(p, GenericParam::Type(_))) {
        let clause = out.make_where_clause();
        for b in bounds {
            clause.predicates.push(syn::parse_quote!(#b));
        }
    }
    out
}
