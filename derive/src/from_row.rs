//! `#[derive(FromRow)]`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields};

use crate::attr;
use crate::{add_bounds, private_path, reject_lifetimes, unraw};

/// Expands the derive.
pub fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let container = attr::Container::parse(&input.attrs)?;
    let krate = container.krate();
    let p = private_path(&krate);
    reject_lifetimes(&input.generics, "FromRow")?;
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new(
            input.ident.span(),
            "FromRow can only be derived for structs (a row is a struct of columns)",
        ));
    };
    let mut bounds = Vec::new();
    let body = match &data.fields {
        Fields::Named(fields) => {
            let mut inits = Vec::new();
            for field in &fields.named {
                let a = attr::Field::parse(&field.attrs)?;
                let ident = field.ident.as_ref().expect("named fields have names");
                let ty = &field.ty;
                let column = match &a.rename {
                    Some(lit) => lit.value(),
                    None => {
                        let name = unraw(ident);
                        container.rename_all.map_or(name.clone(), |r| r.apply(&name))
                    }
                };
                let span = ty.span();
                let value = if a.skip.is_some() {
                    quote_spanned!(span=> ::core::default::Default::default())
                } else if a.flatten.is_some() {
                    bounds.push(quote!(#ty: #krate::FromRow));
                    quote_spanned!(span=> #p::flatten::<#ty>(row)?)
                } else if let Some(source) = &a.try_from {
                    bounds.push(quote!(#source: for<'__r> #krate::Loader<'__r>));
                    bounds.push(quote!(#ty: ::core::convert::TryFrom<#source>));
                    if a.default.is_some() {
                        quote_spanned!(span=> #p::get_try_from_or_default::<#source, #ty>(row, #column)?)
                    } else {
                        quote_spanned!(span=> #p::get_try_from::<#source, #ty>(row, #column)?)
                    }
                } else {
                    bounds.push(quote!(#ty: for<'__r> #krate::Loader<'__r>));
                    if a.default.is_some() {
                        quote_spanned!(span=> #p::get_or_default::<#ty>(row, #column)?)
                    } else {
                        quote_spanned!(span=> #p::get::<#ty>(row, #column)?)
                    }
                };
                inits.push(quote!(#ident: #value));
            }
            quote!(::core::result::Result::Ok(Self { #(#inits,)* }))
        }
        Fields::Unnamed(fields) => {
            let count = fields.unnamed.len();
            let mut values = Vec::new();
            for (i, field) in fields.unnamed.iter().enumerate() {
                let a = attr::Field::parse(&field.attrs)?;
                let unsupported =
                    a.rename.as_ref().map(|l| l.span()).or(a.default).or(a.flatten).or(a.skip);
                if let Some(span) = unsupported {
                    return Err(syn::Error::new(
                        span,
                        "a tuple struct loads its columns by position: only `try_from` applies \
                         to its fields",
                    ));
                }
                let ty = &field.ty;
                let span = ty.span();
                values.push(match &a.try_from {
                    Some(source) => {
                        bounds.push(quote!(#source: for<'__r> #krate::Loader<'__r>));
                        quote_spanned!(span=> #p::get_at_try_from::<#source, #ty>(row, #i)?)
                    }
                    None => {
                        bounds.push(quote!(#ty: for<'__r> #krate::Loader<'__r>));
                        quote_spanned!(span=> #p::get_at::<#ty>(row, #i)?)
                    }
                });
            }
            quote! {
                #p::expect_columns(row, #count, ::core::any::type_name::<Self>())?;
                ::core::result::Result::Ok(Self(#(#values,)*))
            }
        }
        Fields::Unit => {
            return Err(syn::Error::new(
                input.ident.span(),
                "FromRow cannot be derived for a unit struct: it has no fields to fill",
            ));
        }
    };
    let ident = &input.ident;
    let generics = add_bounds(&input.generics, &bounds);
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    Ok(quote! {
        #[automatically_derived]
        impl #impl_generics #krate::FromRow for #ident #ty_generics #where_clause {
            fn from_row(row: &#krate::Row) -> ::core::result::Result<Self, #krate::Error> {
                #body
            }
        }
    })
}
