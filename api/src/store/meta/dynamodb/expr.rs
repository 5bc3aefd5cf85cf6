//! Small builders for keys, attribute values and the write operations of a
//! transaction. Attribute names in expressions always go through `#name`
//! placeholders (`size` and friends are reserved words).

use std::collections::HashMap;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Delete, Put, TransactWriteItem, Update,
};

use super::client::build_err;
use crate::store::StoreError;

pub(super) type Item = HashMap<String, AttributeValue>;

/// The primary key of an item.
pub(super) fn key(pk: String, sk: &str) -> Item {
    HashMap::from([
        ("PK".to_owned(), AttributeValue::S(pk)),
        ("SK".to_owned(), AttributeValue::S(sk.to_owned())),
    ])
}

pub(super) fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub(super) fn n(value: impl std::fmt::Display) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

pub(super) fn b(bytes: &[u8]) -> AttributeValue {
    AttributeValue::B(Blob::new(bytes.to_vec()))
}

/// An expression (condition and/or update) with its placeholders.
#[derive(Default)]
pub(super) struct Ex {
    condition: Option<String>,
    update: Option<String>,
    names: HashMap<String, String>,
    values: Item,
}

impl Ex {
    pub(super) fn new() -> Self {
        Self::default()
    }

    /// A condition; `#x` placeholders must be declared with `name`.
    pub(super) fn cond(mut self, expression: impl Into<String>) -> Self {
        self.condition = Some(expression.into());
        self
    }

    pub(super) fn update(mut self, expression: impl Into<String>) -> Self {
        self.update = Some(expression.into());
        self
    }

    /// `#attr` stands for the attribute `attr`.
    pub(super) fn name(mut self, attr: &str) -> Self {
        self.names.insert(format!("#{attr}"), attr.to_owned());
        self
    }

    pub(super) fn value(mut self, placeholder: &str, value: AttributeValue) -> Self {
        self.values.insert(placeholder.to_owned(), value);
        self
    }

    /// `value`, when there is one.
    pub(super) fn value_if(self, placeholder: &str, value: Option<AttributeValue>) -> Self {
        match value {
            Some(value) => self.value(placeholder, value),
            None => self,
        }
    }

    /// Both this expression's condition and `other`'s must hold; their
    /// names and values are merged (placeholders must not collide).
    pub(super) fn and(mut self, other: Ex) -> Self {
        self.condition = match (self.condition.take(), other.condition) {
            (Some(a), Some(b)) => Some(format!("({a}) AND ({b})")),
            (a, b) => a.or(b),
        };
        self.names.extend(other.names);
        self.values.extend(other.values);
        self
    }

    pub(super) fn condition(&self) -> Option<String> {
        self.condition.clone()
    }

    pub(super) fn update_expression(&self) -> Option<String> {
        self.update.clone()
    }

    pub(super) fn names(&self) -> Option<HashMap<String, String>> {
        (!self.names.is_empty()).then(|| self.names.clone())
    }

    pub(super) fn values(&self) -> Option<Item> {
        (!self.values.is_empty()).then(|| self.values.clone())
    }
}

pub(super) fn put(table: &str, item: Item, ex: Ex) -> Result<TransactWriteItem, StoreError> {
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .set_condition_expression(ex.condition.clone())
        .set_expression_attribute_names(ex.names())
        .set_expression_attribute_values(ex.values())
        .build()
        .map_err(build_err)?;
    Ok(TransactWriteItem::builder().put(put).build())
}

pub(super) fn delete(table: &str, key: Item, ex: Ex) -> Result<TransactWriteItem, StoreError> {
    let delete = Delete::builder()
        .table_name(table)
        .set_key(Some(key))
        .set_condition_expression(ex.condition.clone())
        .set_expression_attribute_names(ex.names())
        .set_expression_attribute_values(ex.values())
        .build()
        .map_err(build_err)?;
    Ok(TransactWriteItem::builder().delete(delete).build())
}

pub(super) fn update(table: &str, key: Item, ex: Ex) -> Result<TransactWriteItem, StoreError> {
    let update = Update::builder()
        .table_name(table)
        .set_key(Some(key))
        .set_update_expression(ex.update.clone())
        .set_condition_expression(ex.condition.clone())
        .set_expression_attribute_names(ex.names())
        .set_expression_attribute_values(ex.values())
        .build()
        .map_err(build_err)?;
    Ok(TransactWriteItem::builder().update(update).build())
}

pub(super) fn check(table: &str, key: Item, ex: Ex) -> Result<TransactWriteItem, StoreError> {
    let check = ConditionCheck::builder()
        .table_name(table)
        .set_key(Some(key))
        .set_condition_expression(ex.condition.clone())
        .set_expression_attribute_names(ex.names())
        .set_expression_attribute_values(ex.values())
        .build()
        .map_err(build_err)?;
    Ok(TransactWriteItem::builder().condition_check(check).build())
}

/// Reads typed attributes out of an item; anything missing or malformed is
/// `Corrupt`, naming the item kind and attribute.
pub(super) struct Reader<'a> {
    item: &'a Item,
    kind: &'static str,
}

impl<'a> Reader<'a> {
    pub(super) fn new(item: &'a Item, kind: &'static str) -> Self {
        Self { item, kind }
    }

    fn corrupt(&self, attr: &str, what: &str) -> StoreError {
        StoreError::Corrupt(format!("{} attribute `{attr}` {what}", self.kind))
    }

    pub(super) fn opt_s(&self, attr: &str) -> Result<Option<&'a str>, StoreError> {
        match self.item.get(attr) {
            None | Some(AttributeValue::Null(_)) => Ok(None),
            Some(AttributeValue::S(v)) => Ok(Some(v.as_str())),
            Some(_) => Err(self.corrupt(attr, "is not a string")),
        }
    }

    pub(super) fn s(&self, attr: &str) -> Result<&'a str, StoreError> {
        self.opt_s(attr)?
            .ok_or_else(|| self.corrupt(attr, "is missing"))
    }

    pub(super) fn i64(&self, attr: &str) -> Result<i64, StoreError> {
        match self.item.get(attr) {
            Some(AttributeValue::N(v)) => v
                .parse()
                .map_err(|_| self.corrupt(attr, "is not an integer")),
            Some(_) => Err(self.corrupt(attr, "is not a number")),
            None => Err(self.corrupt(attr, "is missing")),
        }
    }

    /// A number that may be absent.
    pub(super) fn opt_u64(&self, attr: &str) -> Result<Option<u64>, StoreError> {
        match self.item.get(attr) {
            None => Ok(None),
            Some(_) => self.u64(attr).map(Some),
        }
    }

    /// A flag stored as the number 1; absent means false.
    pub(super) fn flag(&self, attr: &str) -> Result<bool, StoreError> {
        Ok(self.opt_u64(attr)? == Some(1))
    }

    pub(super) fn u64(&self, attr: &str) -> Result<u64, StoreError> {
        u64::try_from(self.i64(attr)?).map_err(|_| self.corrupt(attr, "is negative"))
    }

    pub(super) fn time(&self, attr: &str) -> Result<time::OffsetDateTime, StoreError> {
        time::OffsetDateTime::from_unix_timestamp(self.i64(attr)?)
            .map_err(|_| self.corrupt(attr, "is out of range"))
    }

    /// A time that may be absent.
    pub(super) fn opt_time(&self, attr: &str) -> Result<Option<time::OffsetDateTime>, StoreError> {
        match self.item.get(attr) {
            None | Some(AttributeValue::Null(_)) => Ok(None),
            Some(_) => self.time(attr).map(Some),
        }
    }

    pub(super) fn bytes(&self, attr: &str) -> Result<Vec<u8>, StoreError> {
        self.opt_bytes(attr)?
            .ok_or_else(|| self.corrupt(attr, "is missing"))
    }

    pub(super) fn opt_bytes(&self, attr: &str) -> Result<Option<Vec<u8>>, StoreError> {
        match self.item.get(attr) {
            None | Some(AttributeValue::Null(_)) => Ok(None),
            Some(AttributeValue::B(v)) => Ok(Some(v.as_ref().to_vec())),
            Some(_) => Err(self.corrupt(attr, "is not binary")),
        }
    }

    pub(super) fn array<const N: usize>(&self, attr: &str) -> Result<[u8; N], StoreError> {
        self.bytes(attr)?
            .try_into()
            .map_err(|_| self.corrupt(attr, "has the wrong length"))
    }

    pub(super) fn opt_array<const N: usize>(
        &self,
        attr: &str,
    ) -> Result<Option<[u8; N]>, StoreError> {
        match self.item.get(attr) {
            None | Some(AttributeValue::Null(_)) => Ok(None),
            Some(_) => self.array(attr).map(Some),
        }
    }

    /// A binary set; absent means empty.
    pub(super) fn byte_set(&self, attr: &str) -> Result<Vec<Vec<u8>>, StoreError> {
        match self.item.get(attr) {
            None => Ok(Vec::new()),
            Some(AttributeValue::Bs(set)) => Ok(set.iter().map(|b| b.as_ref().to_vec()).collect()),
            Some(_) => Err(self.corrupt(attr, "is not a binary set")),
        }
    }

    pub(super) fn opt_uuid(&self, attr: &str) -> Result<Option<uuid::Uuid>, StoreError> {
        self.opt_s(attr)?
            .map(|v| uuid::Uuid::parse_str(v).map_err(|_| self.corrupt(attr, "is not a UUID")))
            .transpose()
    }

    pub(super) fn uuid(&self, attr: &str) -> Result<uuid::Uuid, StoreError> {
        self.opt_uuid(attr)?
            .ok_or_else(|| self.corrupt(attr, "is missing"))
    }
}
