//! COPY into a table whose column types are read from the catalog, so that typed rows need no
//! list of OIDs: the pieces both connections use (no IO here).

use crate::Error;
use crate::protocol::Oid;
use crate::sql::{Composable, Identifier, Sql};
use crate::types::Row;

/// The catalog query for the types of a table's columns. `$1` is the table (its quoted,
/// possibly schema-qualified name, read as a `regclass`), `$2` the column names in COPY order
/// (an empty array: every column, in table order). One row per column: its name and the type
/// binary COPY expects, which for a domain is its base type (a domain's binary form is its
/// base type's).
pub(crate) const COLUMN_TYPES_QUERY: &str = "\
    SELECT c.name, CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END \
    FROM (SELECT name, i FROM unnest($2::text[]) WITH ORDINALITY AS u(name, i) \
          UNION ALL \
          SELECT a.attname::text, a.attnum FROM pg_catalog.pg_attribute a \
          WHERE cardinality($2::text[]) = 0 AND a.attrelid = $1::regclass \
            AND a.attnum > 0 AND NOT a.attisdropped) AS c \
    LEFT JOIN pg_catalog.pg_attribute a \
      ON a.attrelid = $1::regclass AND a.attname = c.name AND a.attnum > 0 AND NOT a.attisdropped \
    LEFT JOIN pg_catalog.pg_type t ON t.oid = a.atttypid \
    ORDER BY c.i";

/// A `COPY <table> (<columns>) FROM STDIN (FORMAT binary)` whose column types come from the
/// catalog.
#[derive(Debug)]
pub(crate) struct TableCopy {
    /// The table's name as SQL (quoted), the catalog query's `$1`.
    pub(crate) table: String,
    /// The column names, the catalog query's `$2`.
    pub(crate) columns: Vec<String>,
}

impl TableCopy {
    pub(crate) fn new(table: &Identifier, columns: &[&str]) -> Result<TableCopy, Error> {
        let table = table.to_sql()?;
        Ok(TableCopy { table, columns: columns.iter().map(|c| (*c).to_owned()).collect() })
    }

    /// The COPY statement (column names quoted) and the column types from the rows of
    /// [`COLUMN_TYPES_QUERY`].
    pub(crate) fn statement(&self, rows: &[Row]) -> Result<(String, Vec<Oid>), Error> {
        if rows.is_empty() {
            return Err(Error::misuse(format!("the table {} has no columns", self.table)));
        }
        let mut names = Vec::with_capacity(rows.len());
        let mut types = Vec::with_capacity(rows.len());
        for row in rows {
            let name: String = row.try_get(0)?;
            let Some(oid) = row.try_get::<_, Option<Oid>>(1)? else {
                return Err(Error::misuse(format!(
                    "the table {} has no column {name:?}",
                    self.table
                )));
            };
            names.push(Identifier::new(name));
            types.push(oid);
        }
        let list = Sql::new(", ").join(names.iter().map(|n| n as &dyn Composable))?;
        let sql = Sql::new("COPY {} ({}) FROM STDIN (FORMAT binary)")
            .format(&[&Sql::new(self.table.as_str()), &list])?;
        Ok((sql.into_string(), types))
    }
}
