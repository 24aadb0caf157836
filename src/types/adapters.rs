//! [`AdaptersMap`]: the types a connection knows beyond the built-in ones, and [`TypeInfo`]:
//! what `pg_type` says about one of them.
//!
//! Rust types adapt statically: a [`Dumper`](super::Dumper) or [`Loader`](super::Loader)
//! implementation (written by hand or derived) decides how a value travels, and needs no
//! registry. What needs one is the *dynamic* side: [`Value`](super::Value), which must turn any
//! column into something useful without a Rust type to guide it. The built-in types are known
//! from their OIDs; user-defined ones (enums, composites, domains, ranges, multiranges, their
//! arrays, extension types such as `hstore`) have OIDs that differ from database to database,
//! so they are looked up in `pg_type` once ([`TypeInfo`]) and registered in an
//! [`AdaptersMap`]. A value loader can also be registered for an OID or a name, for types
//! whose binary form the driver does not know; and any value can be sent as a type named at
//! run time ([`AdaptersMap::typed`]), the run-time way to pick a dumper's type.
//!
//! # Scope
//!
//! Like psycopg's `AdaptersMap`, there is a process-wide map ([`AdaptersMap::global`]) and one
//! per connection, which starts as a copy of the global one when the connection is opened.
//! Registering on a connection's map affects that connection only (and every row it has
//! returned or will return: rows hold the map, not a snapshot). Registering on the global map
//! affects connections opened afterwards.
//!
//! The map is a cheap handle (`Clone` shares it); reads take a read lock only for types that
//! are not built in.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, OnceLock, PoisonError, RwLock};

use super::oid;
use bytes::BytesMut;

use super::row::Row;
use super::value::Value;
use super::{Dumper, IsNull};
use crate::Error;
use crate::protocol::{Format, Oid};

/// What kind of type a [`TypeInfo`] describes (`pg_type.typtype`, refined).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TypeKind {
    /// A base type (built in or from an extension, such as `hstore`).
    Base,
    /// An enum, with its labels in sort order.
    Enum {
        /// The labels, in `enumsortorder`.
        labels: Vec<String>,
    },
    /// A composite type (a table's row type or `CREATE TYPE ... AS (...)`).
    Composite {
        /// The attributes in order: name and type OID (dropped attributes left out).
        fields: Vec<(String, Oid)>,
    },
    /// A domain over a base type.
    Domain {
        /// The domain's underlying type.
        base: Oid,
    },
    /// A range type.
    Range {
        /// The type of the range's bounds.
        subtype: Oid,
    },
    /// A multirange type (PostgreSQL 14+).
    Multirange {
        /// The range type of its members.
        range: Oid,
    },
    /// An array type.
    Array {
        /// The element type.
        element: Oid,
    },
    /// A pseudo-type or any other kind.
    Other,
}

/// What `pg_type` says about one type: its OID, name, array type and kind.
///
/// Fetched with `TypeInfo::fetch` (async [`Connection`](crate::Connection)) or
/// `TypeInfo::fetch_blocking` ([`blocking::Connection`](crate::blocking::Connection)), then
/// registered with [`AdaptersMap::register`]; or built by hand with [`TypeInfo::new`] when the
/// OIDs are known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeInfo {
    /// The type's OID.
    pub oid: Oid,
    /// The type's name (`pg_type.typname`, not schema-qualified).
    pub name: String,
    /// The schema the type lives in.
    pub schema: String,
    /// The OID of the array type whose elements are of this type (0 if none).
    pub array_oid: Oid,
    /// The kind of type, with what each kind needs to decode its values.
    pub kind: TypeKind,
}

impl TypeInfo {
    /// A type description built by hand.
    pub fn new(oid: Oid, name: impl Into<String>, array_oid: Oid, kind: TypeKind) -> Self {
        TypeInfo { oid, name: name.into(), schema: String::new(), array_oid, kind }
    }

    /// The query that reads one type, by name (`$1`, resolved like a `::regtype` cast: it may
    /// be schema-qualified and quoted): one row, or none if the type does not exist.
    pub(crate) const TYPE_QUERY: &'static str = "\
        SELECT t.oid, t.typname::text, n.nspname::text, t.typtype::text, t.typcategory::text, \
               t.typarray, t.typbasetype, t.typrelid, t.typelem, \
               (SELECT r.rngsubtype FROM pg_catalog.pg_range r WHERE r.rngtypid = t.oid) \
        FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
        WHERE t.oid = pg_catalog.to_regtype($1)";

    /// Reads the row of [`TYPE_QUERY`](Self::TYPE_QUERY). Returns the description and, for
    /// the kinds that need more (an enum's labels, a composite's attributes, a multirange's
    /// range), the follow-up query and its parameter, whose rows go to
    /// [`complete`](Self::complete).
    pub(crate) fn from_type_row(row: &Row) -> Result<(TypeInfo, Option<FollowUp>), Error> {
        let oid: Oid = row.try_get(0)?;
        let typtype: &str = row.try_get(3)?;
        let category: &str = row.try_get(4)?;
        let relid: Oid = row.try_get(7)?;
        let element: Oid = row.try_get(8)?;
        let (kind, follow) = match typtype {
            "e" => (TypeKind::Enum { labels: Vec::new() }, Some((ENUM_QUERY, oid))),
            "c" => (TypeKind::Composite { fields: Vec::new() }, Some((FIELDS_QUERY, relid))),
            "d" => (TypeKind::Domain { base: row.try_get(6)? }, None),
            "r" => {
                (TypeKind::Range { subtype: row.try_get::<_, Option<Oid>>(9)?.unwrap_or(0) }, None)
            }
            "m" => (TypeKind::Multirange { range: 0 }, Some((MULTIRANGE_QUERY, oid))),
            "b" if category == "A" && element != 0 => (TypeKind::Array { element }, None),
            "b" => (TypeKind::Base, None),
            _ => (TypeKind::Other, None),
        };
        let info = TypeInfo {
            oid,
            name: row.try_get(1)?,
            schema: row.try_get(2)?,
            array_oid: row.try_get(5)?,
            kind,
        };
        Ok((info, follow))
    }

    /// Adds what the follow-up query of [`from_type_row`](Self::from_type_row) returned.
    pub(crate) fn complete(&mut self, rows: &[Row]) -> Result<(), Error> {
        match &mut self.kind {
            TypeKind::Enum { labels } => {
                *labels = rows.iter().map(|r| r.try_get(0)).collect::<Result<_, _>>()?;
            }
            TypeKind::Composite { fields } => {
                *fields = rows
                    .iter()
                    .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
                    .collect::<Result<_, Error>>()?;
            }
            TypeKind::Multirange { range } => {
                let first = rows.first().ok_or_else(|| {
                    Error::conversion(format!("no range type found for multirange {}", self.name))
                })?;
                *range = first.try_get(0)?;
            }
            _ => {}
        }
        Ok(())
    }

    /// The error for a type name that `pg_type` does not know.
    pub(crate) fn not_found(name: &str) -> Error {
        Error::conversion(format!("no type named {name:?} in the database"))
    }
}

/// A follow-up query of [`TypeInfo::fetch`](TypeInfo) and its one parameter.
pub(crate) type FollowUp = (&'static str, Oid);

/// The follow-up query for an enum's labels (`$1` = the type OID), one row per label in order.
const ENUM_QUERY: &str = "\
    SELECT e.enumlabel::text FROM pg_catalog.pg_enum e \
    WHERE e.enumtypid = $1 ORDER BY e.enumsortorder";

/// The follow-up query for a composite's attributes (`$1` = `typrelid`), one row each.
const FIELDS_QUERY: &str = "\
    SELECT a.attname::text, a.atttypid FROM pg_catalog.pg_attribute a \
    WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum";

/// The follow-up query for a multirange's range type (`$1` = the multirange OID).
const MULTIRANGE_QUERY: &str =
    "SELECT r.rngtypid FROM pg_catalog.pg_range r WHERE r.rngmultitypid = $1";

/// A loader of dynamic values for one type, registered with
/// [`AdaptersMap::register_loader`]: it gets the value's format and bytes (never NULL).
pub type ValueLoader = Arc<dyn Fn(Format, &[u8]) -> Result<Value, Error> + Send + Sync>;

#[derive(Clone, Default)]
struct Registry {
    types: HashMap<Oid, Arc<TypeInfo>>,
    /// `name` and `schema.name` of every registered type.
    names: HashMap<String, Oid>,
    loaders: HashMap<Oid, ValueLoader>,
}

/// The types and dynamic value loaders a connection knows beyond the built-in ones.
///
/// Rust types adapt statically (a [`Dumper`] or [`Loader`](super::Loader) implementation,
/// written by hand or derived) and need no registry. What needs one is the dynamic side:
/// [`Value`] must turn any column into something useful without a Rust type to guide it.
/// Built-in types are known by their OIDs; user-defined ones (enums, composites, domains,
/// ranges, multiranges, their arrays, extension types such as `hstore`) have OIDs that differ
/// between databases, so they are looked up in `pg_type` once ([`TypeInfo`]) and registered
/// here. A loader of dynamic values can be registered for an OID or a name, and any value
/// can be sent as a type named at run time ([`typed`](Self::typed)).
///
/// Like psycopg's, there is a process-wide map ([`global`](Self::global)) and one per
/// connection, which starts as a copy of the global one when the connection is opened.
/// Registering on a connection's map affects that connection only (and every row it returned
/// or will return: rows hold the map, not a snapshot); registering on the global map affects
/// connections opened afterwards.
///
/// A cheap, shared handle: clones refer to the same map ([`copy`](Self::copy) makes an
/// independent one). Equality is identity.
///
/// ```
/// use pgtusk::protocol::Format;
/// use pgtusk::types::{AdaptersMap, Loader, TypeInfo, TypeKind, Value};
///
/// let map = AdaptersMap::new();
/// let mood = TypeInfo::new(
///     50_000,
///     "mood",
///     50_001,
///     TypeKind::Enum { labels: vec!["sad".into(), "happy".into()] },
/// );
/// map.register(mood);
/// assert_eq!(map.get_by_name("mood").map(|t| t.oid), Some(50_000));
/// assert_eq!(map.get(50_001).map(|t| t.name.clone()).as_deref(), Some("_mood"));
///
/// // A value of the enum, read dynamically.
/// let v = Value::load_with(&map, 50_000, Format::Binary, b"happy").unwrap();
/// assert_eq!(v, Value::Enum { type_oid: 50_000, label: "happy".into() });
/// ```
#[derive(Clone, Default)]
pub struct AdaptersMap {
    inner: Arc<RwLock<Registry>>,
}

impl AdaptersMap {
    /// An empty map (the built-in types need no registration).
    pub fn new() -> Self {
        Self::default()
    }

    /// The process-wide map every new connection starts from (as a [`copy`](Self::copy)).
    pub fn global() -> &'static AdaptersMap {
        static GLOBAL: OnceLock<AdaptersMap> = OnceLock::new();
        GLOBAL.get_or_init(AdaptersMap::new)
    }

    /// An independent copy: registering on one does not affect the other.
    pub fn copy(&self) -> AdaptersMap {
        AdaptersMap { inner: Arc::new(RwLock::new(self.read().clone())) }
    }

    /// Registers a type, and its array type (as `_name`, with kind [`TypeKind::Array`]) when
    /// it has one. A type registered again under the same OID replaces the old description.
    pub fn register(&self, info: TypeInfo) {
        let mut reg = self.write();
        if info.array_oid != 0 {
            let array = TypeInfo {
                oid: info.array_oid,
                name: format!("_{}", info.name),
                schema: info.schema.clone(),
                array_oid: 0,
                kind: TypeKind::Array { element: info.oid },
            };
            reg.insert(array);
        }
        reg.insert(info);
    }

    /// Registers a loader of dynamic values ([`Value`]) for a type OID: columns of that type
    /// (and elements of its arrays, fields of composites) load through it.
    ///
    /// ```
    /// use pgtusk::protocol::Format;
    /// use pgtusk::types::{AdaptersMap, Loader, Value};
    ///
    /// let map = AdaptersMap::new();
    /// map.register_loader(60_000, |_format, raw| Ok(Value::Int8(raw.len() as i64)));
    /// let v = Value::load_with(&map, 60_000, Format::Binary, b"abc").unwrap();
    /// assert_eq!(v, Value::Int8(3));
    /// ```
    pub fn register_loader(
        &self,
        oid: Oid,
        loader: impl Fn(Format, &[u8]) -> Result<Value, Error> + Send + Sync + 'static,
    ) {
        self.write().loaders.insert(oid, Arc::new(loader));
    }

    /// Registers a loader of dynamic values for a type registered by name (`name` or
    /// `schema.name`); an error if no such type is registered.
    pub fn register_loader_by_name(
        &self,
        name: &str,
        loader: impl Fn(Format, &[u8]) -> Result<Value, Error> + Send + Sync + 'static,
    ) -> Result<(), Error> {
        let oid = self
            .get_by_name(name)
            .map(|t| t.oid)
            .ok_or_else(|| Error::conversion(format!("no type named {name:?} is registered")))?;
        self.register_loader(oid, loader);
        Ok(())
    }

    /// The registered type with this OID.
    pub fn get(&self, oid: Oid) -> Option<Arc<TypeInfo>> {
        self.read().types.get(&oid).cloned()
    }

    /// The registered type with this name (`name` or `schema.name`).
    pub fn get_by_name(&self, name: &str) -> Option<Arc<TypeInfo>> {
        let reg = self.read();
        reg.names.get(name).and_then(|oid| reg.types.get(oid)).cloned()
    }

    /// The name of a type: built in, registered, or `None`.
    pub fn type_name(&self, oid: Oid) -> Option<String> {
        match oid::type_name(oid) {
            Some(name) => Some(name.to_owned()),
            None => self.get(oid).map(|t| t.name.clone()),
        }
    }

    /// The OID of a type by name: registered (`name` or `schema.name`) or built in (see
    /// [`oid::by_name`]).
    pub fn oid_of(&self, name: &str) -> Option<Oid> {
        self.get_by_name(name).map(|t| t.oid).or_else(|| oid::by_name(name))
    }

    /// `value` sent as the type called `type_name` (registered or built in) instead of the
    /// type its dumper names: a dumper chosen by type name at run time. The value's bytes must
    /// be in that type's form in the dumper's format (text always is, for types whose input
    /// function reads it: enums, domains over text, extension types...).
    ///
    /// ```
    /// use pgtusk::types::{AdaptersMap, Dumper, TypeInfo, TypeKind};
    ///
    /// let map = AdaptersMap::new();
    /// map.register(TypeInfo::new(50_000, "mood", 0, TypeKind::Enum { labels: vec![] }));
    /// let happy = map.typed("mood", "happy")?;
    /// assert_eq!(happy.type_oid(), 50_000);
    /// assert!(map.typed("no_such_type", "x").is_err());
    /// # Ok::<(), pgtusk::Error>(())
    /// ```
    pub fn typed<D: Dumper>(&self, type_name: &str, value: D) -> Result<Typed<D>, Error> {
        let type_oid = self.oid_of(type_name).ok_or_else(|| {
            Error::conversion(format!("no type named {type_name:?} is registered or built in"))
        })?;
        Ok(Typed::new(type_oid, value))
    }

    /// The value loader registered for `oid`.
    pub(crate) fn loader(&self, oid: Oid) -> Option<ValueLoader> {
        self.read().loaders.get(&oid).cloned()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Registry> {
        // A panic while holding the lock cannot leave the maps half-updated (each update is
        // one insert), so a poisoned lock is still consistent.
        self.inner.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Registry> {
        self.inner.write().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Registry {
    fn insert(&mut self, info: TypeInfo) {
        if !info.schema.is_empty() {
            self.names.insert(format!("{}.{}", info.schema, info.name), info.oid);
        }
        self.names.insert(info.name.clone(), info.oid);
        self.types.insert(info.oid, Arc::new(info));
    }
}

impl PartialEq for AdaptersMap {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl Eq for AdaptersMap {}

impl std::hash::Hash for AdaptersMap {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        std::ptr::hash(Arc::as_ptr(&self.inner), state);
    }
}

impl fmt::Debug for AdaptersMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reg = self.read();
        let mut names: Vec<&str> = reg.types.values().map(|t| t.name.as_str()).collect();
        names.sort_unstable();
        f.debug_struct("AdaptersMap")
            .field("types", &names)
            .field("loaders", &reg.loaders.len())
            .finish()
    }
}

/// A value sent as a given type OID, whatever type its dumper names (see
/// [`AdaptersMap::typed`]); format and bytes are the inner dumper's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Typed<D> {
    type_oid: Oid,
    value: D,
}

impl<D> Typed<D> {
    /// `value`, sent as type `type_oid`.
    pub fn new(type_oid: Oid, value: D) -> Self {
        Typed { type_oid, value }
    }

    /// The value.
    pub fn into_inner(self) -> D {
        self.value
    }
}

/// Sent as its type OID, in the inner value's format and form.
impl<D: Dumper> Dumper for Typed<D> {
    fn type_oid(&self) -> Oid {
        self.type_oid
    }
    fn format(&self) -> Format {
        self.value.format()
    }
    fn dump(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        self.value.dump(buf)
    }
    fn dump_text(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        self.value.dump_text(buf)
    }
    fn dump_field(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        self.value.dump_field(buf)
    }
}
