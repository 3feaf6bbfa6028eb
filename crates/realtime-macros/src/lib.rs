//! `#[tool]`: an agent tool from an `async fn`. Use it through the `realtime` crate
//! (`realtime::tool`, default feature `macros`), whose documentation has the examples.
//!
//! The attribute keeps the function as it is and adds `<name>_tool()`, which returns
//! the `AgentTool`:
//!
//! - the tool's name is the function's name (or `#[tool(name = "...")]`);
//! - its description is the doc comment up to its first heading;
//! - its parameters are the function's arguments, as a JSON schema made by schemars
//!   from their types (every argument type is `Deserialize + JsonSchema`). A
//!   `# Arguments` section of the doc comment, in the rustdoc style
//!   (`` * `city` - The city. ``), describes them;
//! - a first argument `&ToolContext<T>` receives the context, with the application
//!   state `T` set by `AgentRunner::context`.
//!
//! The function returns `Result<O, ToolError>` with `O: Serialize`.

use proc_macro::TokenStream;
use proc_macro2::TokenStream as TokenStream2;
use quote::{format_ident, quote};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{
    Expr, ExprLit, FnArg, GenericArgument, ItemFn, Lit, Meta, Pat, PathArguments, Token, Type,
};

/// Makes an agent tool of an `async fn`: see the [crate docs](crate).
#[proc_macro_attribute]
pub fn tool(attr: TokenStream, item: TokenStream) -> TokenStream {
    let options = syn::parse_macro_input!(attr as Options);
    let function = syn::parse_macro_input!(item as ItemFn);
    expand(&options, &function)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// `#[tool(name = "...", description = "...", crate = path)]`, all optional.
struct Options {
    name: Option<String>,
    description: Option<String>,
    krate: Option<syn::Path>,
}

impl Parse for Options {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut options = Self {
            name: None,
            description: None,
            krate: None,
        };
        let pairs = Punctuated::<Meta, Token![,]>::parse_terminated(input)?;
        for meta in pairs {
            let Meta::NameValue(pair) = meta else {
                return Err(syn::Error::new(
                    meta.span(),
                    "expected `name = \"...\"`, `description = \"...\"` or `crate = path`",
                ));
            };
            let key = pair
                .path
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_default();
            match (key.as_str(), &pair.value) {
                (
                    "name",
                    Expr::Lit(ExprLit {
                        lit: Lit::Str(text),
                        ..
                    }),
                ) => options.name = Some(text.value()),
                (
                    "description",
                    Expr::Lit(ExprLit {
                        lit: Lit::Str(text),
                        ..
                    }),
                ) => options.description = Some(text.value()),
                ("crate", Expr::Path(path)) => options.krate = Some(path.path.clone()),
                _ => {
                    return Err(syn::Error::new(
                        pair.span(),
                        "expected `name = \"...\"`, `description = \"...\"` or `crate = path`",
                    ));
                }
            }
        }
        Ok(options)
    }
}

/// One argument the model fills in.
struct Argument {
    name: syn::Ident,
    ty: Type,
    doc: Option<String>,
}

fn expand(options: &Options, function: &ItemFn) -> syn::Result<TokenStream2> {
    let signature = &function.sig;
    if signature.asyncness.is_none() {
        return Err(syn::Error::new(
            signature.fn_token.span(),
            "#[tool] expects an `async fn`",
        ));
    }
    if !signature.generics.params.is_empty() || signature.generics.where_clause.is_some() {
        return Err(syn::Error::new(
            signature.generics.span(),
            "#[tool] functions cannot be generic: the schema is made from concrete argument types",
        ));
    }
    let krate = options
        .krate
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(::realtime));
    let (description, argument_docs) = split_docs(&doc_lines(&function.attrs));
    let description = options.description.clone().unwrap_or(description);
    let name = options
        .name
        .clone()
        .unwrap_or_else(|| signature.ident.to_string());

    // `Some(Some(T))`: `&ToolContext<T>`; `Some(None)`: `&ToolContext` (no state).
    let mut context: Option<Option<Type>> = None;
    let mut arguments = Vec::new();
    for (index, input) in signature.inputs.iter().enumerate() {
        let FnArg::Typed(typed) = input else {
            return Err(syn::Error::new(
                input.span(),
                "#[tool] functions take no `self`",
            ));
        };
        if index == 0
            && let Some(state) = context_state(&typed.ty)
        {
            context = Some(state);
            continue;
        }
        let Pat::Ident(ident) = typed.pat.as_ref() else {
            return Err(syn::Error::new(
                typed.pat.span(),
                "#[tool] arguments must be plain names (`city: String`)",
            ));
        };
        if matches!(typed.ty.as_ref(), Type::Reference(_)) {
            return Err(syn::Error::new(
                typed.ty.span(),
                "#[tool] arguments are owned values the model sends; only the first argument may be `&ToolContext<T>`",
            ));
        }
        let arg_name = ident.ident.clone();
        let doc = argument_docs
            .iter()
            .find(|(doc_name, _)| *doc_name == arg_name.to_string().trim_start_matches("r#"))
            .map(|(_, doc)| doc.clone());
        arguments.push(Argument {
            name: arg_name,
            ty: typed.ty.as_ref().clone(),
            doc,
        });
    }

    let function_name = &signature.ident;
    let tool_fn = format_ident!("{}_tool", function_name);
    let visibility = &function.vis;
    let serde_path = format!("{}::__private::serde", path_text(&krate));
    let schemars_path = format!("{}::__private::schemars", path_text(&krate));
    let fields = arguments.iter().map(|argument| {
        let Argument { name, ty, doc } = argument;
        let doc = doc.as_ref().map(|doc| quote!(#[doc = #doc]));
        quote!(#doc #name: #ty,)
    });
    let names: Vec<&syn::Ident> = arguments.iter().map(|argument| &argument.name).collect();
    let args_struct = format_ident!("__{}Arguments", to_camel(&function_name.to_string()));
    let call = quote!(#function_name(&context #(, arguments.#names)*).await);
    let constructor = match &context {
        Some(None) => quote! {
            #krate::agent::AgentTool::new(
                #name,
                #description,
                |arguments: #args_struct, context: #krate::agent::ToolContext| async move { #call },
            )
        },
        Some(Some(state)) => quote! {
            #krate::agent::AgentTool::with_context(
                #name,
                #description,
                |arguments: #args_struct, context: #krate::agent::ToolContext<#state>| async move { #call },
            )
        },
        None => {
            let call = quote!(#function_name(#(arguments.#names),*).await);
            quote! {
                #krate::agent::AgentTool::new(
                    #name,
                    #description,
                    |arguments: #args_struct, _context: #krate::agent::ToolContext| async move { #call },
                )
            }
        }
    };
    let tool_doc = format!(
        "The agent tool `{name}` made by `#[tool]` from [`{function_name}`]: its arguments are the tool's parameters."
    );
    Ok(quote! {
        #function

        #[doc = #tool_doc]
        #[must_use]
        #visibility fn #tool_fn() -> #krate::agent::AgentTool {
            #[derive(#krate::__private::serde::Deserialize, #krate::__private::schemars::JsonSchema)]
            #[serde(crate = #serde_path)]
            #[schemars(crate = #schemars_path)]
            #[allow(non_camel_case_types)]
            struct #args_struct {
                #(#fields)*
            }
            #constructor
        }
    })
}

/// `Some(Some(T))` if `ty` is `&ToolContext<T>`, `Some(None)` for `&ToolContext` (or
/// `&ToolContext<()>`): a context without application state.
fn context_state(ty: &Type) -> Option<Option<Type>> {
    let Type::Reference(reference) = ty else {
        return None;
    };
    let Type::Path(path) = reference.elem.as_ref() else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != "ToolContext" {
        return None;
    }
    match &last.arguments {
        PathArguments::None => Some(None),
        PathArguments::AngleBracketed(generics) => {
            let state = generics.args.iter().find_map(|argument| match argument {
                GenericArgument::Type(state) => Some(state.clone()),
                _ => None,
            })?;
            match &state {
                Type::Tuple(unit) if unit.elems.is_empty() => Some(None),
                _ => Some(Some(state)),
            }
        }
        PathArguments::Parenthesized(_) => None,
    }
}

/// The doc comment, one entry per line, with rustdoc's leading space removed.
fn doc_lines(attrs: &[syn::Attribute]) -> Vec<String> {
    attrs
        .iter()
        .filter(|attr| attr.path().is_ident("doc"))
        .filter_map(|attr| match &attr.meta {
            Meta::NameValue(pair) => match &pair.value {
                Expr::Lit(ExprLit {
                    lit: Lit::Str(text),
                    ..
                }) => Some(text.value()),
                _ => None,
            },
            _ => None,
        })
        .flat_map(|text| {
            text.lines()
                .map(|line| line.strip_prefix(' ').unwrap_or(line).to_owned())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The description (the text before the first heading) and the argument
/// descriptions of a `# Arguments` section.
fn split_docs(lines: &[String]) -> (String, Vec<(String, String)>) {
    let mut description = Vec::new();
    let mut arguments: Vec<(String, String)> = Vec::new();
    let mut section: Option<String> = None;
    for line in lines {
        let trimmed = line.trim();
        if let Some(heading) = trimmed.strip_prefix('#') {
            section = Some(heading.trim_start_matches('#').trim().to_lowercase());
            continue;
        }
        match section.as_deref() {
            None => description.push(trimmed.to_owned()),
            Some("arguments" | "parameters") => {
                let item = trimmed
                    .strip_prefix("* ")
                    .or_else(|| trimmed.strip_prefix("- "));
                if let Some(item) = item
                    && let Some(rest) = item.strip_prefix('`')
                    && let Some((name, doc)) = rest.split_once('`')
                {
                    let doc = doc
                        .trim_start()
                        .trim_start_matches(['-', ':', '–'])
                        .trim()
                        .to_owned();
                    arguments.push((name.to_owned(), doc));
                } else if !trimmed.is_empty()
                    && let Some((_, doc)) = arguments.last_mut()
                {
                    doc.push(' ');
                    doc.push_str(trimmed);
                }
            }
            Some(_) => {}
        }
    }
    let description = description.join("\n").trim().to_owned();
    (description, arguments)
}

fn path_text(path: &syn::Path) -> String {
    let mut text = String::new();
    if path.leading_colon.is_some() {
        text.push_str("::");
    }
    let segments: Vec<String> = path
        .segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect();
    text.push_str(&segments.join("::"));
    text
}

fn to_camel(name: &str) -> String {
    name.split('_')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect()
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::split_docs;

    #[test]
    fn the_description_stops_at_the_first_heading_and_arguments_are_read() {
        let lines: Vec<String> = [
            "Looks up the weather.",
            "",
            "Uses the forecast service.",
            "# Arguments",
            "* `city` - The city,",
            "  in English.",
            "- `unit`: Celsius or Fahrenheit.",
            "# Errors",
            "When the service is down.",
        ]
        .iter()
        .map(|line| (*line).to_owned())
        .collect();
        let (description, arguments) = split_docs(&lines);
        assert_eq!(
            description,
            "Looks up the weather.\n\nUses the forecast service."
        );
        assert_eq!(
            arguments,
            vec![
                ("city".to_owned(), "The city, in English.".to_owned()),
                ("unit".to_owned(), "Celsius or Fahrenheit.".to_owned()),
            ]
        );
    }
}
