//! One-pass deserialisation of wire objects that keep unknown keys in `extra`.
//!
//! A derived `Deserialize` with a `#[serde(flatten)]` field buffers the whole object
//! through serde's private `Content` tree (every string copied, then copied again
//! into the fields), which made typed decoding slower than parsing a
//! `serde_json::Value`. [`read_fields!`] writes the impl by hand instead: it reads
//! each entry once, straight into its field (keys borrowed from the frame), and
//! keeps any other key in `extra`, with the derive's behaviour otherwise: absent
//! fields keep their `Default`, a repeated modelled field is serde's
//! `duplicate_field` error, a missing `@required` one is `missing_field`.

use std::borrow::Cow;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

/// An object read one map entry at a time (see [`read_fields!`]).
pub(crate) trait PayloadFields: Default {
    /// Reads the value of `key` into its field, or into `extra`. `seen` has one bit
    /// per modelled field, so that a repeated field is an error as with a derive.
    fn read_field<'de, A: MapAccess<'de>>(
        &mut self,
        key: Cow<'de, str>,
        seen: &mut u64,
        map: &mut A,
    ) -> Result<(), A::Error>;

    /// The wire name of a required field `seen` lacks.
    fn missing(_seen: u64) -> Option<&'static str> {
        None
    }
}

/// Marks a modelled field read; a second time is serde's `duplicate_field` error.
pub(crate) fn once<E: de::Error>(seen: &mut u64, bit: u64, field: &'static str) -> Result<(), E> {
    if *seen & bit != 0 {
        return Err(E::duplicate_field(field));
    }
    *seen |= bit;
    Ok(())
}

/// Entries of an object read before its `type` key, in order: a plain list (no
/// hashing), since they are read back once. Keys, and string values, stay borrowed
/// from the frame where they can (ids and `object`, most of what comes first).
pub(crate) type Held<'de> = Vec<(Cow<'de, str>, HeldValue<'de>)>;

/// Held entries as an object's map (for an object kept whole).
pub(crate) fn held_object(held: Held<'_>) -> serde_json::Map<String, serde_json::Value> {
    held.into_iter()
        .map(|(key, value)| (key.into_owned(), value.into_value()))
        .collect()
}

/// A value read before its object's `type` key named the payload.
pub(crate) enum HeldValue<'de> {
    /// A string, borrowed from the frame unless it had escapes.
    Text(Cow<'de, str>),
    /// Any other value.
    Other(serde_json::Value),
}

impl HeldValue<'_> {
    /// The value as a JSON value (for an object kept whole).
    pub(crate) fn into_value(self) -> serde_json::Value {
        match self {
            Self::Text(text) => serde_json::Value::String(text.into_owned()),
            Self::Other(value) => value,
        }
    }

    /// The string, if it is one.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Self::Text(text) => Some(text),
            Self::Other(value) => value.as_str(),
        }
    }
}

impl<'de> Deserialize<'de> for HeldValue<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(HeldValueVisitor)
    }
}

struct HeldValueVisitor;

impl<'de> Visitor<'de> for HeldValueVisitor {
    type Value = HeldValue<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
        Ok(HeldValue::Text(Cow::Borrowed(text)))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Ok(HeldValue::Text(Cow::Owned(text.to_owned())))
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<Self::Value, E> {
        Ok(HeldValue::Text(Cow::Owned(text)))
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Self::Value, E> {
        Ok(HeldValue::Other(value.into()))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
        Ok(HeldValue::Other(value.into()))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
        Ok(HeldValue::Other(value.into()))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Self::Value, E> {
        Ok(HeldValue::Other(value.into()))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(HeldValue::Other(serde_json::Value::Null))
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(HeldValue::Other(serde_json::Value::Null))
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        serde_json::Value::deserialize(de::value::SeqAccessDeserializer::new(seq))
            .map(HeldValue::Other)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        serde_json::Value::deserialize(de::value::MapAccessDeserializer::new(map))
            .map(HeldValue::Other)
    }
}

/// A held string read into a field as `serde_json::Value::String` would be: as
/// `Some` for an option, as a unit variant for an enum, as itself otherwise.
struct HeldText<'de>(Cow<'de, str>);

impl<'de> Deserializer<'de> for HeldText<'de> {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Cow::Borrowed(text) => visitor.visit_borrowed_str(text),
            Cow::Owned(text) => visitor.visit_string(text),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        de::value::CowStrDeserializer::<Self::Error>::new(self.0)
            .deserialize_enum(name, variants, visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}

/// One held entry's value, as the map access a field reader expects.
struct HeldEntry<'de>(Option<HeldValue<'de>>);

impl<'de> MapAccess<'de> for HeldEntry<'de> {
    type Error = serde_json::Error;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        _seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        Ok(None)
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, Self::Error> {
        match self.0.take() {
            Some(HeldValue::Text(text)) => seed.deserialize(HeldText(text)),
            Some(HeldValue::Other(value)) => seed.deserialize(value),
            None => Err(de::Error::custom("a held value was read twice")),
        }
    }
}

/// Reads a `T` from `held` (entries that came before the `type` key, kept until it
/// named the type) and then from the rest of `map`, where a `type` key is skipped
/// (the caller has read it).
pub(crate) fn read_payload_after<'de, T: PayloadFields, A: MapAccess<'de>>(
    held: Held<'de>,
    map: &mut A,
) -> Result<T, A::Error> {
    let mut payload = T::default();
    let mut seen = 0u64;
    for (key, value) in held {
        payload
            .read_field(key, &mut seen, &mut HeldEntry(Some(value)))
            .map_err(de::Error::custom)?;
    }
    while let Some(MapKey(key)) = map.next_key()? {
        if key == "type" {
            map.next_value::<de::IgnoredAny>()?;
            continue;
        }
        payload.read_field(key, &mut seen, map)?;
    }
    finish(payload, seen)
}

fn finish<T: PayloadFields, E: de::Error>(payload: T, seen: u64) -> Result<T, E> {
    match T::missing(seen) {
        Some(field) => Err(E::missing_field(field)),
        None => Ok(payload),
    }
}

/// A map key, borrowed from the frame unless it had escapes.
pub(crate) struct MapKey<'de>(pub(crate) Cow<'de, str>);

impl<'de> Deserialize<'de> for MapKey<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = MapKey<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<MapKey<'de>, E> {
                Ok(MapKey(Cow::Borrowed(text)))
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<MapKey<'de>, E> {
                Ok(MapKey(Cow::Owned(text.to_owned())))
            }
            fn visit_string<E: de::Error>(self, text: String) -> Result<MapKey<'de>, E> {
                Ok(MapKey(Cow::Owned(text)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// Deserializes any [`PayloadFields`] from a map.
pub(crate) struct PayloadVisitor<T>(pub(crate) PhantomData<T>);

impl<'de, T: PayloadFields> Visitor<'de> for PayloadVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut payload = T::default();
        let mut seen = 0u64;
        while let Some(MapKey(key)) = map.next_key()? {
            payload.read_field(key, &mut seen, &mut map)?;
        }
        finish(payload, seen)
    }
}

/// Implements [`PayloadFields`] and `Deserialize` for a struct with an `extra` map:
/// `read_fields!(Type, extra { "wire" => field, @required "type" => kind, ... })`.
///
/// The list must name every field of the struct: a field added to the struct but
/// not here would silently land in `extra`, so the macro also writes a pattern
/// naming every listed field and `extra`, which stops compiling when one is
/// missing. (`@unchecked` skips that, for `payload!`, which writes the struct and
/// the list from the same tokens.)
macro_rules! read_fields {
    ($ty:ident, $extra:ident { $( $(@$required:ident)? $wire:expr => $field:ident ),* $(,)? }) => {
        const _: () = {
            /// Stops compiling when the struct has a field the list above lacks.
            #[allow(dead_code)]
            fn every_field_is_listed(value: &$ty) {
                let $ty { $( $field: _, )* $extra: _ } = value;
            }
        };
        read_fields!(@unchecked $ty, $extra { $( $(@$required)? $wire => $field ),* });
    };
    (@unchecked $ty:ident, $extra:ident { $( $(@$required:ident)? $wire:expr => $field:ident ),* $(,)? }) => {
        impl $crate::protocol::fields::PayloadFields for $ty {
            fn read_field<'de, A: ::serde::de::MapAccess<'de>>(
                &mut self,
                key: ::std::borrow::Cow<'de, str>,
                seen: &mut u64,
                map: &mut A,
            ) -> Result<(), A::Error> {
                #[allow(unused_mut)]
                let mut bit = 1u64;
                $(
                    if key == $wire {
                        $crate::protocol::fields::once(seen, bit, $wire)?;
                        self.$field = map.next_value()?;
                        return Ok(());
                    }
                    bit <<= 1;
                )*
                let _ = bit;
                let value: ::serde_json::Value = map.next_value()?;
                self.$extra.insert(key.into_owned(), value);
                Ok(())
            }

            fn missing(seen: u64) -> Option<&'static str> {
                #[allow(unused_mut, unused_variables)]
                let mut bit = 1u64;
                $(
                    $(
                        let _ = stringify!($required);
                        if seen & bit == 0 {
                            return Some($wire);
                        }
                    )?
                    bit <<= 1;
                )*
                let _ = (bit, seen);
                None
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_map($crate::protocol::fields::PayloadVisitor(
                    ::std::marker::PhantomData,
                ))
            }
        }
    };
}

pub(crate) use read_fields;

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::protocol::{ContentPart, Item, ServerEvent};
    use crate::wire::WireShape;

    const ITEM: &str = r#"{"id":"item_1","object":"realtime.item","type":"message","status":"completed","role":"assistant","content":[{"type":"output_text","text":"hi","annotations":[]}],"phase":"final_answer"}"#;

    #[test]
    fn type_anywhere_in_the_frame_decodes_in_one_pass_to_the_same_event() {
        let first = format!(r#"{{"type":"conversation.item.done","event_id":"e1","item":{ITEM}}}"#);
        let last = format!(r#"{{"event_id":"e1","item":{ITEM},"type":"conversation.item.done"}}"#);
        let one = ServerEvent::decode_single_pass(&first, WireShape::Ga);
        let other = ServerEvent::decode_single_pass(&last, WireShape::Ga);
        assert!(one.is_some());
        assert_eq!(one, other);
        let Some(ServerEvent::ConversationItemDone(done)) = one else {
            panic!("expected conversation.item.done, got {one:?}");
        };
        let Some(Item::Message(message)) = done.item else {
            panic!("expected a message item");
        };
        assert_eq!(message.id.as_deref(), Some("item_1"));
        assert_eq!(message.object.as_deref(), Some("realtime.item"));
        assert_eq!(message.extra.get("phase"), Some(&json!("final_answer")));
        assert_eq!(
            message.content[0].extra.get("annotations"),
            Some(&json!([]))
        );
        assert_eq!(
            WireShape::Ga.decode_server(&last).ok().map(|e| e.len()),
            Some(1)
        );
    }

    #[test]
    fn values_of_every_kind_held_before_type_read_as_after_it() {
        // A null, a number, an escaped string, a wire enum, an object and an array
        // before `type`, at both levels: the same event as with `type` first.
        let item_first = r#"{"type":"message","id":"item_\u0031","status":"completed","role":"assistant","content":[],"x":{"y":[1,null]}}"#;
        let item_last = r#"{"id":"item_\u0031","status":"completed","role":"assistant","content":[],"x":{"y":[1,null]},"type":"message"}"#;
        let first = format!(
            r#"{{"type":"conversation.item.done","event_id":"e1","previous_item_id":null,"n":7,"item":{item_first}}}"#
        );
        let last = format!(
            r#"{{"event_id":"e1","previous_item_id":null,"n":7,"item":{item_last},"type":"conversation.item.done"}}"#
        );
        let one = ServerEvent::decode_single_pass(&first, WireShape::Ga);
        let other = ServerEvent::decode_single_pass(&last, WireShape::Ga);
        assert!(one.is_some());
        assert_eq!(one, other);
        let Some(ServerEvent::ConversationItemDone(done)) = other else {
            panic!("expected conversation.item.done");
        };
        assert_eq!(done.previous_item_id, crate::protocol::Nullable::Null);
        assert_eq!(done.extra.get("n"), Some(&json!(7)));
        let Some(Item::Message(message)) = done.item else {
            panic!("expected a message item");
        };
        assert_eq!(message.id.as_deref(), Some("item_1"));
        assert_eq!(message.extra.get("x"), Some(&json!({"y": [1, null]})));
        // A held value of the wrong type is still refused (then the two-step path
        // names the error).
        let wrong = r#"{"output_index":"zero","type":"response.output_item.added"}"#;
        assert!(ServerEvent::decode_single_pass(wrong, WireShape::Ga).is_none());
        assert!(WireShape::Ga.decode_server(wrong).is_err());
    }

    #[test]
    fn an_item_round_trips_whatever_its_key_order() -> Result<(), serde_json::Error> {
        let item: Item = serde_json::from_str(ITEM)?;
        assert_eq!(
            serde_json::to_value(&item)?,
            serde_json::from_str::<serde_json::Value>(ITEM)?
        );
        let other: Item =
            serde_json::from_str(r#"{"id":"x","type":"mcp_call","server_label":"s"}"#)?;
        assert_eq!(
            serde_json::to_value(&other)?,
            json!({"id": "x", "type": "mcp_call", "server_label": "s"})
        );
        Ok(())
    }

    #[test]
    fn repeated_and_missing_fields_are_errors_as_with_a_derive() {
        let repeated =
            r#"{"event_id":"a","type":"input_audio_buffer.speech_started","event_id":"b"}"#;
        assert!(WireShape::Ga.decode_server(repeated).is_err());
        let part = serde_json::from_str::<ContentPart>(r#"{"text":"no type"}"#);
        assert!(part.is_err_and(|error| error.to_string().contains("missing field `type`")));
        let wrong =
            r#"{"event_id":"a","item":{"id":5,"type":"message"},"type":"conversation.item.done"}"#;
        assert!(WireShape::Ga.decode_server(wrong).is_err());
    }

    #[test]
    fn an_unknown_event_keeps_the_keys_before_its_type() {
        let frame = r#"{"event_id":"e9","type":"vendor.thing","payload":{"a":1}}"#;
        let event = WireShape::Ga
            .decode_server(frame)
            .ok()
            .and_then(|mut e| e.pop());
        let Some(ServerEvent::Unknown { event_type, raw }) = event else {
            panic!("expected Unknown, got {event:?}");
        };
        assert_eq!(event_type, "vendor.thing");
        let keys: Vec<&str> = raw.keys().map(String::as_str).collect();
        assert_eq!(keys, ["event_id", "type", "payload"]);
    }
}
