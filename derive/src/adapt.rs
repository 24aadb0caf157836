//! `#[derive(Dumper)]` and `#[derive(Loader)]`: enums, composites and newtypes.

use std::collections::HashMap;

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DataEnum, DeriveInput, Fields, Member, Path, Type};

use crate::{add_bounds, attr, private_path, reject_lifetimes, unraw};

/// Which trait is derived.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// `Dumper`
    Dumper,
    /// `Loader`
    Loader,
}

/// What is generated, and from which fields.
struct Ctx<'i> {
    input: &'i DeriveInput,
    krate: Path,
    p: TokenStream,
}

/// Expands either derive.
pub fn expand(input: &DeriveInput, side: Side) -> syn::Result<TokenStream> {
    let container = attr::Container::parse(&input.attrs)?;
    if side == Side::Loader {
        reject_lifetimes(&input.generics, "Loader")?;
    }
    let krate = container.krate();
    let ctx = Ctx { input, p: private_path(&krate), krate };
    match &input.data {
        Data::Enum(data) => {
            if let Some(span) = container.transparent {
                return Err(syn::Error::new(span, "`transparent` applies to structs of one field"));
            }
            if !input.generics.params.is_empty() {
                return Err(syn::Error::new(
                    input.generics.span(),
                    "a PostgreSQL enum is derived for an enum without generic parameters",
                ));
            }
            let labels = labels(data, &container)?;
            Ok(match side {
                Side::Dumper => ctx.enum_dumper(&labels),
                Side::Loader => ctx.enum_loader(&labels),
            })
        }
        Data::Struct(data) => {
            let fields: Vec<(Member, &Type)> = data
                .fields
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    let member = match &f.ident {
                        Some(ident) => Member::Named(ident.clone()),
                        None => Member::Unnamed(i.into()),
                    };
                    (member, &f.ty)
                })
                .collect();
            let tuple = matches!(data.fields, Fields::Unnamed(_));
            let newtype = container.transparent.is_some() || (tuple && fields.len() == 1);
            if newtype {
                let [(member, ty)] = fields.as_slice() else {
                    let span = container.transparent.unwrap_or_else(|| input.ident.span());
                    return Err(syn::Error::new(
                        span,
                        "`transparent` needs a struct of exactly one field",
                    ));
                };
                return Ok(match side {
                    Side::Dumper => ctx.newtype_dumper(member, ty),
                    Side::Loader => ctx.newtype_loader(member, ty),
                });
            }
            if matches!(data.fields, Fields::Unit) {
                return Err(syn::Error::new(
                    input.ident.span(),
                    "a unit struct has no fields to map to a composite type",
                ));
            }
            Ok(match side {
                Side::Dumper => ctx.composite_dumper(&fields),
                Side::Loader => ctx.composite_loader(&fields),
            })
        }
        Data::Union(u) => Err(syn::Error::new(
            u.union_token.span,
            "Dumper and Loader cannot be derived for unions",
        )),
    }
}

/// Each variant's identifier and label; an error for a variant with fields or a duplicate
/// label.
fn labels(data: &DataEnum, container: &attr::Container) -> syn::Result<Vec<(syn::Ident, String)>> {
    let mut seen = HashMap::new();
    let mut out = Vec::new();
    for v in &data.variants {
        if !matches!(v.fields, Fields::Unit) {
            return Err(syn::Error::new(
                v.fields.span(),
                "a PostgreSQL enum maps to a Rust enum of unit variants only",
            ));
        }
        let a = attr::Variant::parse(&v.attrs)?;
        let label = match &a.rename {
            Some(lit) => lit.value(),
            None => {
                let name = unraw(&v.ident);
                container.rename_all.map_or(name.clone(), |r| r.apply(&name))
            }
        };
        if let Some(other) = seen.insert(label.clone(), v.ident.clone()) {
            return Err(syn::Error::new(
                v.ident.span(),
                format!("variant `{}` has the same label {label:?} as `{other}`", v.ident),
            ));
        }
        out.push((v.ident.clone(), label));
    }
    Ok(out)
}

impl Ctx<'_> {
    /// `impl ... Dumper for T` with the given body and bounds.
    fn dumper_impl(&self, bounds: &[TokenStream], body: TokenStream) -> TokenStream {
        let krate = &self.krate;
        let ident = &self.input.ident;
        let generics = add_bounds(&self.input.generics, bounds);
        let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
        quote! {
            #[automatically_derived]
            impl #impl_generics #krate::Dumper for #ident #ty_generics #where_clause {
                #body
            }
        }
    }

    /// `impl<'__a, ...> Loader<'__a> for T` with the given body and bounds.
    fn loader_impl(&self, bounds: &[TokenStream], body: TokenStream) -> TokenStream {
        let krate = &self.krate;
        let ident = &self.input.ident;
        let generics = add_bounds(&self.input.generics, bounds);
        let (_, ty_generics, where_clause) = generics.split_for_impl();
        let mut with_a = generics.clone();
        with_a.params.insert(0, syn::parse_quote!('__a));
        let (impl_generics, _, _) = with_a.split_for_impl();
        quote! {
            #[automatically_derived]
            impl #impl_generics #krate::Loader<'__a> for #ident #ty_generics #where_clause {
                #body
            }
        }
    }

    fn enum_dumper(&self, labels: &[(syn::Ident, String)]) -> TokenStream {
        let p = &self.p;
        let arms = labels.iter().map(|(v, l)| quote!(Self::#v => #l,));
        // An enum without variants has no value to write (and `put_label` would be
        // unreachable code in the user's crate).
        let write = if labels.is_empty() {
            quote!(match *self {})
        } else {
            quote!(#p::put_label(buf, match *self { #(#arms)* }))
        };
        self.dumper_impl(
            &[],
            quote! {
                /// Unspecified (0): the server infers the enum type from the context.
                fn type_oid(&self) -> #p::Oid {
                    0
                }
                fn format(&self) -> #p::Format {
                    #p::Format::Text
                }
                fn dump(&self, buf: &mut #p::BytesMut) -> ::core::result::Result<#p::IsNull, #p::Error> {
                    #write
                }
            },
        )
    }

    fn enum_loader(&self, labels: &[(syn::Ident, String)]) -> TokenStream {
        let p = &self.p;
        let name = self.input.ident.to_string();
        let arms = labels.iter().map(|(v, l)| quote!(#l => ::core::result::Result::Ok(Self::#v),));
        self.loader_impl(
            &[],
            quote! {
                fn accepts(oid: #p::Oid) -> bool {
                    #p::accepts_enum(oid)
                }
                fn load(oid: #p::Oid, format: #p::Format, raw: &'__a [u8]) -> ::core::result::Result<Self, #p::Error> {
                    let _ = format;
                    match #p::enum_label(oid, raw)? {
                        #(#arms)*
                        other => ::core::result::Result::Err(#p::unknown_label(other, #name)),
                    }
                }
            },
        )
    }

    fn composite_dumper(&self, fields: &[(Member, &Type)]) -> TokenStream {
        let (krate, p) = (&self.krate, &self.p);
        let bounds: Vec<_> = fields.iter().map(|(_, ty)| quote!(#ty: #krate::Dumper)).collect();
        let writes = fields.iter().map(|(m, ty)| quote_spanned!(ty.span()=> w.field(&self.#m)?;));
        self.dumper_impl(
            &bounds,
            quote! {
                /// Unspecified (0): the server infers the composite type from the context.
                fn type_oid(&self) -> #p::Oid {
                    0
                }
                fn format(&self) -> #p::Format {
                    #p::Format::Text
                }
                fn dump(&self, buf: &mut #p::BytesMut) -> ::core::result::Result<#p::IsNull, #p::Error> {
                    let mut w = #p::RecordWriter::new(buf);
                    #(#writes)*
                    w.finish();
                    ::core::result::Result::Ok(#p::IsNull::No)
                }
            },
        )
    }

    fn composite_loader(&self, fields: &[(Member, &Type)]) -> TokenStream {
        let (krate, p) = (&self.krate, &self.p);
        let count = fields.len();
        let bounds: Vec<_> =
            fields.iter().map(|(_, ty)| quote!(#ty: for<'__r> #krate::Loader<'__r>)).collect();
        let names: Vec<_> = (0..count).map(|i| format_ident!("__f{i}")).collect();
        let reads = fields.iter().zip(&names).map(|((m, ty), var)| {
            let label = match m {
                Member::Named(ident) => unraw(ident),
                Member::Unnamed(index) => index.index.to_string(),
            };
            quote_spanned!(ty.span()=> let #var = r.field::<#ty>(#label)?;)
        });
        let build = fields.iter().zip(&names).map(|((m, _), var)| quote!(#m: #var));
        self.loader_impl(
            &bounds,
            quote! {
                fn accepts(oid: #p::Oid) -> bool {
                    #p::accepts_composite(oid)
                }
                fn load(oid: #p::Oid, format: #p::Format, raw: &'__a [u8]) -> ::core::result::Result<Self, #p::Error> {
                    let mut r = #p::record(oid, format, raw, #count, ::core::any::type_name::<Self>())?;
                    #(#reads)*
                    r.finish()?;
                    ::core::result::Result::Ok(Self { #(#build,)* })
                }
            },
        )
    }

    fn newtype_dumper(&self, member: &Member, ty: &Type) -> TokenStream {
        let (krate, p) = (&self.krate, &self.p);
        self.dumper_impl(
            &[quote!(#ty: #krate::Dumper)],
            quote! {
                fn type_oid(&self) -> #p::Oid {
                    <#ty as #krate::Dumper>::type_oid(&self.#member)
                }
                fn format(&self) -> #p::Format {
                    <#ty as #krate::Dumper>::format(&self.#member)
                }
                fn dump(&self, buf: &mut #p::BytesMut) -> ::core::result::Result<#p::IsNull, #p::Error> {
                    <#ty as #krate::Dumper>::dump(&self.#member, buf)
                }
                fn dump_text(&self, buf: &mut #p::BytesMut) -> ::core::result::Result<#p::IsNull, #p::Error> {
                    <#ty as #krate::Dumper>::dump_text(&self.#member, buf)
                }
            },
        )
    }

    fn newtype_loader(&self, member: &Member, ty: &Type) -> TokenStream {
        let (krate, p) = (&self.krate, &self.p);
        // Added only for generic types (see `add_bounds`); a concrete inner type is checked
        // where it is called.
        let bounds = [quote!(#ty: #krate::Loader<'__a>)];
        let wrap = quote!(|v| Self { #member: v });
        let body = quote! {
            fn accepts(oid: #p::Oid) -> bool {
                <#ty as #krate::Loader<'__a>>::accepts(oid)
            }
            fn load(oid: #p::Oid, format: #p::Format, raw: &'__a [u8]) -> ::core::result::Result<Self, #p::Error> {
                <#ty as #krate::Loader<'__a>>::load(oid, format, raw).map(#wrap)
            }
            fn load_null(oid: #p::Oid) -> ::core::result::Result<Self, #p::Error> {
                <#ty as #krate::Loader<'__a>>::load_null(oid).map(#wrap)
            }
        };
        self.loader_impl(&bounds, body)
    }
}
