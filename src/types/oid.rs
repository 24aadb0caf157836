//! The OIDs of PostgreSQL's built-in types, and their names.
//!
//! Built-in types have the same OIDs on every server version (PostgreSQL never renumbers them);
//! types created by extensions or by `CREATE TYPE` get an OID per database and must be looked up
//! at run time.
//!
//! The list was generated from the catalog of PostgreSQL 15:
//!
//! ```sql
//! SELECT oid, typname, typtype, typelem, typarray, typcategory,
//!        obj_description(oid, 'pg_type')
//! FROM pg_type WHERE oid < 10000 ORDER BY oid;
//! ```
//!
//! keeping every base, pseudo, range and multirange type and its array, and of the composite row
//! types of system catalogs only the four with fixed OIDs (`pg_type`, `pg_attribute`, `pg_proc`,
//! `pg_class`). An array type is named after its element (`INT4_ARRAY` for `_int4`).

use crate::protocol::Oid;

/// `bool`: boolean, 'true'/'false'.
pub const BOOL: Oid = 16;
/// `bytea`: variable-length string, binary values escaped.
pub const BYTEA: Oid = 17;
/// `"char"`: single byte character (PostgreSQL's internal one-byte type, not `char(n)`).
pub const CHAR: Oid = 18;
/// `name`: 63-byte type for storing system identifiers.
pub const NAME: Oid = 19;
/// `int8`: ~18 digit integer, 8-byte storage.
pub const INT8: Oid = 20;
/// `int2`: -32 thousand to 32 thousand, 2-byte storage.
pub const INT2: Oid = 21;
/// `int2vector`: array of int2, used in system tables.
pub const INT2VECTOR: Oid = 22;
/// `int4`: -2 billion to 2 billion integer, 4-byte storage.
pub const INT4: Oid = 23;
/// `regproc`: registered procedure.
pub const REGPROC: Oid = 24;
/// `text`: variable-length string, no limit specified.
pub const TEXT: Oid = 25;
/// `oid`: object identifier(oid), maximum 4 billion.
pub const OID: Oid = 26;
/// `tid`: (block, offset), physical location of tuple.
pub const TID: Oid = 27;
/// `xid`: transaction id.
pub const XID: Oid = 28;
/// `cid`: command identifier type, sequence in transaction id.
pub const CID: Oid = 29;
/// `oidvector`: array of oids, used in system tables.
pub const OIDVECTOR: Oid = 30;
/// `pg_ddl_command`: internal type for passing CollectedCommand.
pub const PG_DDL_COMMAND: Oid = 32;
/// `pg_type`.
pub const PG_TYPE: Oid = 71;
/// `pg_attribute`.
pub const PG_ATTRIBUTE: Oid = 75;
/// `pg_proc`.
pub const PG_PROC: Oid = 81;
/// `pg_class`.
pub const PG_CLASS: Oid = 83;
/// `json`: JSON stored as text.
pub const JSON: Oid = 114;
/// `xml`: XML content.
pub const XML: Oid = 142;
/// `xml[]`: array of `xml`.
pub const XML_ARRAY: Oid = 143;
/// `pg_node_tree`: string representing an internal node tree.
pub const PG_NODE_TREE: Oid = 194;
/// `json[]`: array of `json`.
pub const JSON_ARRAY: Oid = 199;
/// `pg_type[]`: array of `pg_type`.
pub const PG_TYPE_ARRAY: Oid = 210;
/// `table_am_handler`.
pub const TABLE_AM_HANDLER: Oid = 269;
/// `pg_attribute[]`: array of `pg_attribute`.
pub const PG_ATTRIBUTE_ARRAY: Oid = 270;
/// `xid8[]`: array of `xid8`.
pub const XID8_ARRAY: Oid = 271;
/// `pg_proc[]`: array of `pg_proc`.
pub const PG_PROC_ARRAY: Oid = 272;
/// `pg_class[]`: array of `pg_class`.
pub const PG_CLASS_ARRAY: Oid = 273;
/// `index_am_handler`: pseudo-type for the result of an index AM handler function.
pub const INDEX_AM_HANDLER: Oid = 325;
/// `point`: geometric point '(x, y)'.
pub const POINT: Oid = 600;
/// `lseg`: geometric line segment '(pt1,pt2)'.
pub const LSEG: Oid = 601;
/// `path`: geometric path '(pt1,...)'.
pub const PATH: Oid = 602;
/// `box`: geometric box '(lower left,upper right)'.
pub const BOX: Oid = 603;
/// `polygon`: geometric polygon '(pt1,...)'.
pub const POLYGON: Oid = 604;
/// `line`: geometric line.
pub const LINE: Oid = 628;
/// `line[]`: array of `line`.
pub const LINE_ARRAY: Oid = 629;
/// `cidr`: network IP address/netmask, network address.
pub const CIDR: Oid = 650;
/// `cidr[]`: array of `cidr`.
pub const CIDR_ARRAY: Oid = 651;
/// `float4`: single-precision floating point number, 4-byte storage.
pub const FLOAT4: Oid = 700;
/// `float8`: double-precision floating point number, 8-byte storage.
pub const FLOAT8: Oid = 701;
/// `unknown`: pseudo-type representing an undetermined type.
pub const UNKNOWN: Oid = 705;
/// `circle`: geometric circle '(center,radius)'.
pub const CIRCLE: Oid = 718;
/// `circle[]`: array of `circle`.
pub const CIRCLE_ARRAY: Oid = 719;
/// `macaddr8`: XX:XX:XX:XX:XX:XX:XX:XX, MAC address.
pub const MACADDR8: Oid = 774;
/// `macaddr8[]`: array of `macaddr8`.
pub const MACADDR8_ARRAY: Oid = 775;
/// `money`: monetary amounts, $d,ddd.cc.
pub const MONEY: Oid = 790;
/// `money[]`: array of `money`.
pub const MONEY_ARRAY: Oid = 791;
/// `macaddr`: XX:XX:XX:XX:XX:XX, MAC address.
pub const MACADDR: Oid = 829;
/// `inet`: IP address/netmask, host address, netmask optional.
pub const INET: Oid = 869;
/// `bool[]`: array of `bool`.
pub const BOOL_ARRAY: Oid = 1000;
/// `bytea[]`: array of `bytea`.
pub const BYTEA_ARRAY: Oid = 1001;
/// `"char"[]`: array of `char`.
pub const CHAR_ARRAY: Oid = 1002;
/// `name[]`: array of `name`.
pub const NAME_ARRAY: Oid = 1003;
/// `int2[]`: array of `int2`.
pub const INT2_ARRAY: Oid = 1005;
/// `int2vector[]`: array of `int2vector`.
pub const INT2VECTOR_ARRAY: Oid = 1006;
/// `int4[]`: array of `int4`.
pub const INT4_ARRAY: Oid = 1007;
/// `regproc[]`: array of `regproc`.
pub const REGPROC_ARRAY: Oid = 1008;
/// `text[]`: array of `text`.
pub const TEXT_ARRAY: Oid = 1009;
/// `tid[]`: array of `tid`.
pub const TID_ARRAY: Oid = 1010;
/// `xid[]`: array of `xid`.
pub const XID_ARRAY: Oid = 1011;
/// `cid[]`: array of `cid`.
pub const CID_ARRAY: Oid = 1012;
/// `oidvector[]`: array of `oidvector`.
pub const OIDVECTOR_ARRAY: Oid = 1013;
/// `bpchar[]`: array of `bpchar`.
pub const BPCHAR_ARRAY: Oid = 1014;
/// `varchar[]`: array of `varchar`.
pub const VARCHAR_ARRAY: Oid = 1015;
/// `int8[]`: array of `int8`.
pub const INT8_ARRAY: Oid = 1016;
/// `point[]`: array of `point`.
pub const POINT_ARRAY: Oid = 1017;
/// `lseg[]`: array of `lseg`.
pub const LSEG_ARRAY: Oid = 1018;
/// `path[]`: array of `path`.
pub const PATH_ARRAY: Oid = 1019;
/// `box[]`: array of `box`.
pub const BOX_ARRAY: Oid = 1020;
/// `float4[]`: array of `float4`.
pub const FLOAT4_ARRAY: Oid = 1021;
/// `float8[]`: array of `float8`.
pub const FLOAT8_ARRAY: Oid = 1022;
/// `polygon[]`: array of `polygon`.
pub const POLYGON_ARRAY: Oid = 1027;
/// `oid[]`: array of `oid`.
pub const OID_ARRAY: Oid = 1028;
/// `aclitem`: access control list.
pub const ACLITEM: Oid = 1033;
/// `aclitem[]`: array of `aclitem`.
pub const ACLITEM_ARRAY: Oid = 1034;
/// `macaddr[]`: array of `macaddr`.
pub const MACADDR_ARRAY: Oid = 1040;
/// `inet[]`: array of `inet`.
pub const INET_ARRAY: Oid = 1041;
/// `bpchar`: char(length), blank-padded string, fixed storage length.
pub const BPCHAR: Oid = 1042;
/// `varchar`: varchar(length), non-blank-padded string, variable storage length.
pub const VARCHAR: Oid = 1043;
/// `date`: date.
pub const DATE: Oid = 1082;
/// `time`: time of day.
pub const TIME: Oid = 1083;
/// `timestamp`: date and time.
pub const TIMESTAMP: Oid = 1114;
/// `timestamp[]`: array of `timestamp`.
pub const TIMESTAMP_ARRAY: Oid = 1115;
/// `date[]`: array of `date`.
pub const DATE_ARRAY: Oid = 1182;
/// `time[]`: array of `time`.
pub const TIME_ARRAY: Oid = 1183;
/// `timestamptz`: date and time with time zone.
pub const TIMESTAMPTZ: Oid = 1184;
/// `timestamptz[]`: array of `timestamptz`.
pub const TIMESTAMPTZ_ARRAY: Oid = 1185;
/// `interval`: @ &lt;number&gt; &lt;units&gt;, time interval.
pub const INTERVAL: Oid = 1186;
/// `interval[]`: array of `interval`.
pub const INTERVAL_ARRAY: Oid = 1187;
/// `numeric[]`: array of `numeric`.
pub const NUMERIC_ARRAY: Oid = 1231;
/// `cstring[]`: array of `cstring`.
pub const CSTRING_ARRAY: Oid = 1263;
/// `timetz`: time of day with time zone.
pub const TIMETZ: Oid = 1266;
/// `timetz[]`: array of `timetz`.
pub const TIMETZ_ARRAY: Oid = 1270;
/// `bit`: fixed-length bit string.
pub const BIT: Oid = 1560;
/// `bit[]`: array of `bit`.
pub const BIT_ARRAY: Oid = 1561;
/// `varbit`: variable-length bit string.
pub const VARBIT: Oid = 1562;
/// `varbit[]`: array of `varbit`.
pub const VARBIT_ARRAY: Oid = 1563;
/// `numeric`: numeric(precision, decimal), arbitrary precision number.
pub const NUMERIC: Oid = 1700;
/// `refcursor`: reference to cursor (portal name).
pub const REFCURSOR: Oid = 1790;
/// `refcursor[]`: array of `refcursor`.
pub const REFCURSOR_ARRAY: Oid = 2201;
/// `regprocedure`: registered procedure (with args).
pub const REGPROCEDURE: Oid = 2202;
/// `regoper`: registered operator.
pub const REGOPER: Oid = 2203;
/// `regoperator`: registered operator (with args).
pub const REGOPERATOR: Oid = 2204;
/// `regclass`: registered class.
pub const REGCLASS: Oid = 2205;
/// `regtype`: registered type.
pub const REGTYPE: Oid = 2206;
/// `regprocedure[]`: array of `regprocedure`.
pub const REGPROCEDURE_ARRAY: Oid = 2207;
/// `regoper[]`: array of `regoper`.
pub const REGOPER_ARRAY: Oid = 2208;
/// `regoperator[]`: array of `regoperator`.
pub const REGOPERATOR_ARRAY: Oid = 2209;
/// `regclass[]`: array of `regclass`.
pub const REGCLASS_ARRAY: Oid = 2210;
/// `regtype[]`: array of `regtype`.
pub const REGTYPE_ARRAY: Oid = 2211;
/// `record`: pseudo-type representing any composite type.
pub const RECORD: Oid = 2249;
/// `cstring`: C-style string.
pub const CSTRING: Oid = 2275;
/// `any`: pseudo-type representing any type.
pub const ANY: Oid = 2276;
/// `anyarray`: pseudo-type representing a polymorphic array type.
pub const ANYARRAY: Oid = 2277;
/// `void`: pseudo-type for the result of a function with no real result.
pub const VOID: Oid = 2278;
/// `trigger`: pseudo-type for the result of a trigger function.
pub const TRIGGER: Oid = 2279;
/// `language_handler`: pseudo-type for the result of a language handler function.
pub const LANGUAGE_HANDLER: Oid = 2280;
/// `internal`: pseudo-type representing an internal data structure.
pub const INTERNAL: Oid = 2281;
/// `anyelement`: pseudo-type representing a polymorphic base type.
pub const ANYELEMENT: Oid = 2283;
/// `record[]`: array of `record`.
pub const RECORD_ARRAY: Oid = 2287;
/// `anynonarray`: pseudo-type representing a polymorphic base type that is not an array.
pub const ANYNONARRAY: Oid = 2776;
/// `txid_snapshot[]`: array of `txid_snapshot`.
pub const TXID_SNAPSHOT_ARRAY: Oid = 2949;
/// `uuid`: UUID datatype.
pub const UUID: Oid = 2950;
/// `uuid[]`: array of `uuid`.
pub const UUID_ARRAY: Oid = 2951;
/// `txid_snapshot`: txid snapshot.
pub const TXID_SNAPSHOT: Oid = 2970;
/// `fdw_handler`: pseudo-type for the result of an FDW handler function.
pub const FDW_HANDLER: Oid = 3115;
/// `pg_lsn`: PostgreSQL LSN datatype.
pub const PG_LSN: Oid = 3220;
/// `pg_lsn[]`: array of `pg_lsn`.
pub const PG_LSN_ARRAY: Oid = 3221;
/// `tsm_handler`: pseudo-type for the result of a tablesample method function.
pub const TSM_HANDLER: Oid = 3310;
/// `pg_ndistinct`: multivariate ndistinct coefficients.
pub const PG_NDISTINCT: Oid = 3361;
/// `pg_dependencies`: multivariate dependencies.
pub const PG_DEPENDENCIES: Oid = 3402;
/// `anyenum`: pseudo-type representing a polymorphic base type that is an enum.
pub const ANYENUM: Oid = 3500;
/// `tsvector`: text representation for text search.
pub const TSVECTOR: Oid = 3614;
/// `tsquery`: query representation for text search.
pub const TSQUERY: Oid = 3615;
/// `gtsvector`: GiST index internal text representation for text search.
pub const GTSVECTOR: Oid = 3642;
/// `tsvector[]`: array of `tsvector`.
pub const TSVECTOR_ARRAY: Oid = 3643;
/// `gtsvector[]`: array of `gtsvector`.
pub const GTSVECTOR_ARRAY: Oid = 3644;
/// `tsquery[]`: array of `tsquery`.
pub const TSQUERY_ARRAY: Oid = 3645;
/// `regconfig`: registered text search configuration.
pub const REGCONFIG: Oid = 3734;
/// `regconfig[]`: array of `regconfig`.
pub const REGCONFIG_ARRAY: Oid = 3735;
/// `regdictionary`: registered text search dictionary.
pub const REGDICTIONARY: Oid = 3769;
/// `regdictionary[]`: array of `regdictionary`.
pub const REGDICTIONARY_ARRAY: Oid = 3770;
/// `jsonb`: Binary JSON.
pub const JSONB: Oid = 3802;
/// `jsonb[]`: array of `jsonb`.
pub const JSONB_ARRAY: Oid = 3807;
/// `anyrange`: pseudo-type representing a range over a polymorphic base type.
pub const ANYRANGE: Oid = 3831;
/// `event_trigger`: pseudo-type for the result of an event trigger function.
pub const EVENT_TRIGGER: Oid = 3838;
/// `int4range`: range of integers.
pub const INT4RANGE: Oid = 3904;
/// `int4range[]`: array of `int4range`.
pub const INT4RANGE_ARRAY: Oid = 3905;
/// `numrange`: range of numerics.
pub const NUMRANGE: Oid = 3906;
/// `numrange[]`: array of `numrange`.
pub const NUMRANGE_ARRAY: Oid = 3907;
/// `tsrange`: range of timestamps without time zone.
pub const TSRANGE: Oid = 3908;
/// `tsrange[]`: array of `tsrange`.
pub const TSRANGE_ARRAY: Oid = 3909;
/// `tstzrange`: range of timestamps with time zone.
pub const TSTZRANGE: Oid = 3910;
/// `tstzrange[]`: array of `tstzrange`.
pub const TSTZRANGE_ARRAY: Oid = 3911;
/// `daterange`: range of dates.
pub const DATERANGE: Oid = 3912;
/// `daterange[]`: array of `daterange`.
pub const DATERANGE_ARRAY: Oid = 3913;
/// `int8range`: range of bigints.
pub const INT8RANGE: Oid = 3926;
/// `int8range[]`: array of `int8range`.
pub const INT8RANGE_ARRAY: Oid = 3927;
/// `jsonpath`: JSON path.
pub const JSONPATH: Oid = 4072;
/// `jsonpath[]`: array of `jsonpath`.
pub const JSONPATH_ARRAY: Oid = 4073;
/// `regnamespace`: registered namespace.
pub const REGNAMESPACE: Oid = 4089;
/// `regnamespace[]`: array of `regnamespace`.
pub const REGNAMESPACE_ARRAY: Oid = 4090;
/// `regrole`: registered role.
pub const REGROLE: Oid = 4096;
/// `regrole[]`: array of `regrole`.
pub const REGROLE_ARRAY: Oid = 4097;
/// `regcollation`: registered collation.
pub const REGCOLLATION: Oid = 4191;
/// `regcollation[]`: array of `regcollation`.
pub const REGCOLLATION_ARRAY: Oid = 4192;
/// `int4multirange`: multirange of integers.
pub const INT4MULTIRANGE: Oid = 4451;
/// `nummultirange`: multirange of numerics.
pub const NUMMULTIRANGE: Oid = 4532;
/// `tsmultirange`: multirange of timestamps without time zone.
pub const TSMULTIRANGE: Oid = 4533;
/// `tstzmultirange`: multirange of timestamps with time zone.
pub const TSTZMULTIRANGE: Oid = 4534;
/// `datemultirange`: multirange of dates.
pub const DATEMULTIRANGE: Oid = 4535;
/// `int8multirange`: multirange of bigints.
pub const INT8MULTIRANGE: Oid = 4536;
/// `anymultirange`: pseudo-type representing a polymorphic base type that is a multirange.
pub const ANYMULTIRANGE: Oid = 4537;
/// `anycompatiblemultirange`: pseudo-type representing a multirange over a polymorphic common type.
pub const ANYCOMPATIBLEMULTIRANGE: Oid = 4538;
/// `pg_brin_bloom_summary`: BRIN bloom summary.
pub const PG_BRIN_BLOOM_SUMMARY: Oid = 4600;
/// `pg_brin_minmax_multi_summary`: BRIN minmax-multi summary.
pub const PG_BRIN_MINMAX_MULTI_SUMMARY: Oid = 4601;
/// `pg_mcv_list`: multivariate MCV list.
pub const PG_MCV_LIST: Oid = 5017;
/// `pg_snapshot`: snapshot.
pub const PG_SNAPSHOT: Oid = 5038;
/// `pg_snapshot[]`: array of `pg_snapshot`.
pub const PG_SNAPSHOT_ARRAY: Oid = 5039;
/// `xid8`: full transaction id.
pub const XID8: Oid = 5069;
/// `anycompatible`: pseudo-type representing a polymorphic common type.
pub const ANYCOMPATIBLE: Oid = 5077;
/// `anycompatiblearray`: pseudo-type representing an array of polymorphic common type elements.
pub const ANYCOMPATIBLEARRAY: Oid = 5078;
/// `anycompatiblenonarray`: pseudo-type representing a polymorphic common type that is not an array.
pub const ANYCOMPATIBLENONARRAY: Oid = 5079;
/// `anycompatiblerange`: pseudo-type representing a range over a polymorphic common type.
pub const ANYCOMPATIBLERANGE: Oid = 5080;
/// `int4multirange[]`: array of `int4multirange`.
pub const INT4MULTIRANGE_ARRAY: Oid = 6150;
/// `nummultirange[]`: array of `nummultirange`.
pub const NUMMULTIRANGE_ARRAY: Oid = 6151;
/// `tsmultirange[]`: array of `tsmultirange`.
pub const TSMULTIRANGE_ARRAY: Oid = 6152;
/// `tstzmultirange[]`: array of `tstzmultirange`.
pub const TSTZMULTIRANGE_ARRAY: Oid = 6153;
/// `datemultirange[]`: array of `datemultirange`.
pub const DATEMULTIRANGE_ARRAY: Oid = 6155;
/// `int8multirange[]`: array of `int8multirange`.
pub const INT8MULTIRANGE_ARRAY: Oid = 6157;

/// Every built-in type: its OID, its name, its element type (arrays) and its array type.
/// Sorted by OID, for binary search.
static TYPES: &[Entry] = &[
    Entry { oid: BOOL, name: "bool", element: 0, array: BOOL_ARRAY },
    Entry { oid: BYTEA, name: "bytea", element: 0, array: BYTEA_ARRAY },
    Entry { oid: CHAR, name: "\"char\"", element: 0, array: CHAR_ARRAY },
    Entry { oid: NAME, name: "name", element: 0, array: NAME_ARRAY },
    Entry { oid: INT8, name: "int8", element: 0, array: INT8_ARRAY },
    Entry { oid: INT2, name: "int2", element: 0, array: INT2_ARRAY },
    Entry { oid: INT2VECTOR, name: "int2vector", element: 0, array: INT2VECTOR_ARRAY },
    Entry { oid: INT4, name: "int4", element: 0, array: INT4_ARRAY },
    Entry { oid: REGPROC, name: "regproc", element: 0, array: REGPROC_ARRAY },
    Entry { oid: TEXT, name: "text", element: 0, array: TEXT_ARRAY },
    Entry { oid: OID, name: "oid", element: 0, array: OID_ARRAY },
    Entry { oid: TID, name: "tid", element: 0, array: TID_ARRAY },
    Entry { oid: XID, name: "xid", element: 0, array: XID_ARRAY },
    Entry { oid: CID, name: "cid", element: 0, array: CID_ARRAY },
    Entry { oid: OIDVECTOR, name: "oidvector", element: 0, array: OIDVECTOR_ARRAY },
    Entry { oid: PG_DDL_COMMAND, name: "pg_ddl_command", element: 0, array: 0 },
    Entry { oid: PG_TYPE, name: "pg_type", element: 0, array: PG_TYPE_ARRAY },
    Entry { oid: PG_ATTRIBUTE, name: "pg_attribute", element: 0, array: PG_ATTRIBUTE_ARRAY },
    Entry { oid: PG_PROC, name: "pg_proc", element: 0, array: PG_PROC_ARRAY },
    Entry { oid: PG_CLASS, name: "pg_class", element: 0, array: PG_CLASS_ARRAY },
    Entry { oid: JSON, name: "json", element: 0, array: JSON_ARRAY },
    Entry { oid: XML, name: "xml", element: 0, array: XML_ARRAY },
    Entry { oid: XML_ARRAY, name: "xml[]", element: XML, array: 0 },
    Entry { oid: PG_NODE_TREE, name: "pg_node_tree", element: 0, array: 0 },
    Entry { oid: JSON_ARRAY, name: "json[]", element: JSON, array: 0 },
    Entry { oid: PG_TYPE_ARRAY, name: "pg_type[]", element: PG_TYPE, array: 0 },
    Entry { oid: TABLE_AM_HANDLER, name: "table_am_handler", element: 0, array: 0 },
    Entry { oid: PG_ATTRIBUTE_ARRAY, name: "pg_attribute[]", element: PG_ATTRIBUTE, array: 0 },
    Entry { oid: XID8_ARRAY, name: "xid8[]", element: XID8, array: 0 },
    Entry { oid: PG_PROC_ARRAY, name: "pg_proc[]", element: PG_PROC, array: 0 },
    Entry { oid: PG_CLASS_ARRAY, name: "pg_class[]", element: PG_CLASS, array: 0 },
    Entry { oid: INDEX_AM_HANDLER, name: "index_am_handler", element: 0, array: 0 },
    Entry { oid: POINT, name: "point", element: 0, array: POINT_ARRAY },
    Entry { oid: LSEG, name: "lseg", element: 0, array: LSEG_ARRAY },
    Entry { oid: PATH, name: "path", element: 0, array: PATH_ARRAY },
    Entry { oid: BOX, name: "box", element: 0, array: BOX_ARRAY },
    Entry { oid: POLYGON, name: "polygon", element: 0, array: POLYGON_ARRAY },
    Entry { oid: LINE, name: "line", element: 0, array: LINE_ARRAY },
    Entry { oid: LINE_ARRAY, name: "line[]", element: LINE, array: 0 },
    Entry { oid: CIDR, name: "cidr", element: 0, array: CIDR_ARRAY },
    Entry { oid: CIDR_ARRAY, name: "cidr[]", element: CIDR, array: 0 },
    Entry { oid: FLOAT4, name: "float4", element: 0, array: FLOAT4_ARRAY },
    Entry { oid: FLOAT8, name: "float8", element: 0, array: FLOAT8_ARRAY },
    Entry { oid: UNKNOWN, name: "unknown", element: 0, array: 0 },
    Entry { oid: CIRCLE, name: "circle", element: 0, array: CIRCLE_ARRAY },
    Entry { oid: CIRCLE_ARRAY, name: "circle[]", element: CIRCLE, array: 0 },
    Entry { oid: MACADDR8, name: "macaddr8", element: 0, array: MACADDR8_ARRAY },
    Entry { oid: MACADDR8_ARRAY, name: "macaddr8[]", element: MACADDR8, array: 0 },
    Entry { oid: MONEY, name: "money", element: 0, array: MONEY_ARRAY },
    Entry { oid: MONEY_ARRAY, name: "money[]", element: MONEY, array: 0 },
    Entry { oid: MACADDR, name: "macaddr", element: 0, array: MACADDR_ARRAY },
    Entry { oid: INET, name: "inet", element: 0, array: INET_ARRAY },
    Entry { oid: BOOL_ARRAY, name: "bool[]", element: BOOL, array: 0 },
    Entry { oid: BYTEA_ARRAY, name: "bytea[]", element: BYTEA, array: 0 },
    Entry { oid: CHAR_ARRAY, name: "\"char\"[]", element: CHAR, array: 0 },
    Entry { oid: NAME_ARRAY, name: "name[]", element: NAME, array: 0 },
    Entry { oid: INT2_ARRAY, name: "int2[]", element: INT2, array: 0 },
    Entry { oid: INT2VECTOR_ARRAY, name: "int2vector[]", element: INT2VECTOR, array: 0 },
    Entry { oid: INT4_ARRAY, name: "int4[]", element: INT4, array: 0 },
    Entry { oid: REGPROC_ARRAY, name: "regproc[]", element: REGPROC, array: 0 },
    Entry { oid: TEXT_ARRAY, name: "text[]", element: TEXT, array: 0 },
    Entry { oid: TID_ARRAY, name: "tid[]", element: TID, array: 0 },
    Entry { oid: XID_ARRAY, name: "xid[]", element: XID, array: 0 },
    Entry { oid: CID_ARRAY, name: "cid[]", element: CID, array: 0 },
    Entry { oid: OIDVECTOR_ARRAY, name: "oidvector[]", element: OIDVECTOR, array: 0 },
    Entry { oid: BPCHAR_ARRAY, name: "bpchar[]", element: BPCHAR, array: 0 },
    Entry { oid: VARCHAR_ARRAY, name: "varchar[]", element: VARCHAR, array: 0 },
    Entry { oid: INT8_ARRAY, name: "int8[]", element: INT8, array: 0 },
    Entry { oid: POINT_ARRAY, name: "point[]", element: POINT, array: 0 },
    Entry { oid: LSEG_ARRAY, name: "lseg[]", element: LSEG, array: 0 },
    Entry { oid: PATH_ARRAY, name: "path[]", element: PATH, array: 0 },
    Entry { oid: BOX_ARRAY, name: "box[]", element: BOX, array: 0 },
    Entry { oid: FLOAT4_ARRAY, name: "float4[]", element: FLOAT4, array: 0 },
    Entry { oid: FLOAT8_ARRAY, name: "float8[]", element: FLOAT8, array: 0 },
    Entry { oid: POLYGON_ARRAY, name: "polygon[]", element: POLYGON, array: 0 },
    Entry { oid: OID_ARRAY, name: "oid[]", element: OID, array: 0 },
    Entry { oid: ACLITEM, name: "aclitem", element: 0, array: ACLITEM_ARRAY },
    Entry { oid: ACLITEM_ARRAY, name: "aclitem[]", element: ACLITEM, array: 0 },
    Entry { oid: MACADDR_ARRAY, name: "macaddr[]", element: MACADDR, array: 0 },
    Entry { oid: INET_ARRAY, name: "inet[]", element: INET, array: 0 },
    Entry { oid: BPCHAR, name: "bpchar", element: 0, array: BPCHAR_ARRAY },
    Entry { oid: VARCHAR, name: "varchar", element: 0, array: VARCHAR_ARRAY },
    Entry { oid: DATE, name: "date", element: 0, array: DATE_ARRAY },
    Entry { oid: TIME, name: "time", element: 0, array: TIME_ARRAY },
    Entry { oid: TIMESTAMP, name: "timestamp", element: 0, array: TIMESTAMP_ARRAY },
    Entry { oid: TIMESTAMP_ARRAY, name: "timestamp[]", element: TIMESTAMP, array: 0 },
    Entry { oid: DATE_ARRAY, name: "date[]", element: DATE, array: 0 },
    Entry { oid: TIME_ARRAY, name: "time[]", element: TIME, array: 0 },
    Entry { oid: TIMESTAMPTZ, name: "timestamptz", element: 0, array: TIMESTAMPTZ_ARRAY },
    Entry { oid: TIMESTAMPTZ_ARRAY, name: "timestamptz[]", element: TIMESTAMPTZ, array: 0 },
    Entry { oid: INTERVAL, name: "interval", element: 0, array: INTERVAL_ARRAY },
    Entry { oid: INTERVAL_ARRAY, name: "interval[]", element: INTERVAL, array: 0 },
    Entry { oid: NUMERIC_ARRAY, name: "numeric[]", element: NUMERIC, array: 0 },
    Entry { oid: CSTRING_ARRAY, name: "cstring[]", element: CSTRING, array: 0 },
    Entry { oid: TIMETZ, name: "timetz", element: 0, array: TIMETZ_ARRAY },
    Entry { oid: TIMETZ_ARRAY, name: "timetz[]", element: TIMETZ, array: 0 },
    Entry { oid: BIT, name: "bit", element: 0, array: BIT_ARRAY },
    Entry { oid: BIT_ARRAY, name: "bit[]", element: BIT, array: 0 },
    Entry { oid: VARBIT, name: "varbit", element: 0, array: VARBIT_ARRAY },
    Entry { oid: VARBIT_ARRAY, name: "varbit[]", element: VARBIT, array: 0 },
    Entry { oid: NUMERIC, name: "numeric", element: 0, array: NUMERIC_ARRAY },
    Entry { oid: REFCURSOR, name: "refcursor", element: 0, array: REFCURSOR_ARRAY },
    Entry { oid: REFCURSOR_ARRAY, name: "refcursor[]", element: REFCURSOR, array: 0 },
    Entry { oid: REGPROCEDURE, name: "regprocedure", element: 0, array: REGPROCEDURE_ARRAY },
    Entry { oid: REGOPER, name: "regoper", element: 0, array: REGOPER_ARRAY },
    Entry { oid: REGOPERATOR, name: "regoperator", element: 0, array: REGOPERATOR_ARRAY },
    Entry { oid: REGCLASS, name: "regclass", element: 0, array: REGCLASS_ARRAY },
    Entry { oid: REGTYPE, name: "regtype", element: 0, array: REGTYPE_ARRAY },
    Entry { oid: REGPROCEDURE_ARRAY, name: "regprocedure[]", element: REGPROCEDURE, array: 0 },
    Entry { oid: REGOPER_ARRAY, name: "regoper[]", element: REGOPER, array: 0 },
    Entry { oid: REGOPERATOR_ARRAY, name: "regoperator[]", element: REGOPERATOR, array: 0 },
    Entry { oid: REGCLASS_ARRAY, name: "regclass[]", element: REGCLASS, array: 0 },
    Entry { oid: REGTYPE_ARRAY, name: "regtype[]", element: REGTYPE, array: 0 },
    Entry { oid: RECORD, name: "record", element: 0, array: RECORD_ARRAY },
    Entry { oid: CSTRING, name: "cstring", element: 0, array: CSTRING_ARRAY },
    Entry { oid: ANY, name: "any", element: 0, array: 0 },
    Entry { oid: ANYARRAY, name: "anyarray", element: 0, array: 0 },
    Entry { oid: VOID, name: "void", element: 0, array: 0 },
    Entry { oid: TRIGGER, name: "trigger", element: 0, array: 0 },
    Entry { oid: LANGUAGE_HANDLER, name: "language_handler", element: 0, array: 0 },
    Entry { oid: INTERNAL, name: "internal", element: 0, array: 0 },
    Entry { oid: ANYELEMENT, name: "anyelement", element: 0, array: 0 },
    Entry { oid: RECORD_ARRAY, name: "record[]", element: RECORD, array: 0 },
    Entry { oid: ANYNONARRAY, name: "anynonarray", element: 0, array: 0 },
    Entry { oid: TXID_SNAPSHOT_ARRAY, name: "txid_snapshot[]", element: TXID_SNAPSHOT, array: 0 },
    Entry { oid: UUID, name: "uuid", element: 0, array: UUID_ARRAY },
    Entry { oid: UUID_ARRAY, name: "uuid[]", element: UUID, array: 0 },
    Entry { oid: TXID_SNAPSHOT, name: "txid_snapshot", element: 0, array: TXID_SNAPSHOT_ARRAY },
    Entry { oid: FDW_HANDLER, name: "fdw_handler", element: 0, array: 0 },
    Entry { oid: PG_LSN, name: "pg_lsn", element: 0, array: PG_LSN_ARRAY },
    Entry { oid: PG_LSN_ARRAY, name: "pg_lsn[]", element: PG_LSN, array: 0 },
    Entry { oid: TSM_HANDLER, name: "tsm_handler", element: 0, array: 0 },
    Entry { oid: PG_NDISTINCT, name: "pg_ndistinct", element: 0, array: 0 },
    Entry { oid: PG_DEPENDENCIES, name: "pg_dependencies", element: 0, array: 0 },
    Entry { oid: ANYENUM, name: "anyenum", element: 0, array: 0 },
    Entry { oid: TSVECTOR, name: "tsvector", element: 0, array: TSVECTOR_ARRAY },
    Entry { oid: TSQUERY, name: "tsquery", element: 0, array: TSQUERY_ARRAY },
    Entry { oid: GTSVECTOR, name: "gtsvector", element: 0, array: GTSVECTOR_ARRAY },
    Entry { oid: TSVECTOR_ARRAY, name: "tsvector[]", element: TSVECTOR, array: 0 },
    Entry { oid: GTSVECTOR_ARRAY, name: "gtsvector[]", element: GTSVECTOR, array: 0 },
    Entry { oid: TSQUERY_ARRAY, name: "tsquery[]", element: TSQUERY, array: 0 },
    Entry { oid: REGCONFIG, name: "regconfig", element: 0, array: REGCONFIG_ARRAY },
    Entry { oid: REGCONFIG_ARRAY, name: "regconfig[]", element: REGCONFIG, array: 0 },
    Entry { oid: REGDICTIONARY, name: "regdictionary", element: 0, array: REGDICTIONARY_ARRAY },
    Entry { oid: REGDICTIONARY_ARRAY, name: "regdictionary[]", element: REGDICTIONARY, array: 0 },
    Entry { oid: JSONB, name: "jsonb", element: 0, array: JSONB_ARRAY },
    Entry { oid: JSONB_ARRAY, name: "jsonb[]", element: JSONB, array: 0 },
    Entry { oid: ANYRANGE, name: "anyrange", element: 0, array: 0 },
    Entry { oid: EVENT_TRIGGER, name: "event_trigger", element: 0, array: 0 },
    Entry { oid: INT4RANGE, name: "int4range", element: 0, array: INT4RANGE_ARRAY },
    Entry { oid: INT4RANGE_ARRAY, name: "int4range[]", element: INT4RANGE, array: 0 },
    Entry { oid: NUMRANGE, name: "numrange", element: 0, array: NUMRANGE_ARRAY },
    Entry { oid: NUMRANGE_ARRAY, name: "numrange[]", element: NUMRANGE, array: 0 },
    Entry { oid: TSRANGE, name: "tsrange", element: 0, array: TSRANGE_ARRAY },
    Entry { oid: TSRANGE_ARRAY, name: "tsrange[]", element: TSRANGE, array: 0 },
    Entry { oid: TSTZRANGE, name: "tstzrange", element: 0, array: TSTZRANGE_ARRAY },
    Entry { oid: TSTZRANGE_ARRAY, name: "tstzrange[]", element: TSTZRANGE, array: 0 },
    Entry { oid: DATERANGE, name: "daterange", element: 0, array: DATERANGE_ARRAY },
    Entry { oid: DATERANGE_ARRAY, name: "daterange[]", element: DATERANGE, array: 0 },
    Entry { oid: INT8RANGE, name: "int8range", element: 0, array: INT8RANGE_ARRAY },
    Entry { oid: INT8RANGE_ARRAY, name: "int8range[]", element: INT8RANGE, array: 0 },
    Entry { oid: JSONPATH, name: "jsonpath", element: 0, array: JSONPATH_ARRAY },
    Entry { oid: JSONPATH_ARRAY, name: "jsonpath[]", element: JSONPATH, array: 0 },
    Entry { oid: REGNAMESPACE, name: "regnamespace", element: 0, array: REGNAMESPACE_ARRAY },
    Entry { oid: REGNAMESPACE_ARRAY, name: "regnamespace[]", element: REGNAMESPACE, array: 0 },
    Entry { oid: REGROLE, name: "regrole", element: 0, array: REGROLE_ARRAY },
    Entry { oid: REGROLE_ARRAY, name: "regrole[]", element: REGROLE, array: 0 },
    Entry { oid: REGCOLLATION, name: "regcollation", element: 0, array: REGCOLLATION_ARRAY },
    Entry { oid: REGCOLLATION_ARRAY, name: "regcollation[]", element: REGCOLLATION, array: 0 },
    Entry { oid: INT4MULTIRANGE, name: "int4multirange", element: 0, array: INT4MULTIRANGE_ARRAY },
    Entry { oid: NUMMULTIRANGE, name: "nummultirange", element: 0, array: NUMMULTIRANGE_ARRAY },
    Entry { oid: TSMULTIRANGE, name: "tsmultirange", element: 0, array: TSMULTIRANGE_ARRAY },
    Entry { oid: TSTZMULTIRANGE, name: "tstzmultirange", element: 0, array: TSTZMULTIRANGE_ARRAY },
    Entry { oid: DATEMULTIRANGE, name: "datemultirange", element: 0, array: DATEMULTIRANGE_ARRAY },
    Entry { oid: INT8MULTIRANGE, name: "int8multirange", element: 0, array: INT8MULTIRANGE_ARRAY },
    Entry { oid: ANYMULTIRANGE, name: "anymultirange", element: 0, array: 0 },
    Entry { oid: ANYCOMPATIBLEMULTIRANGE, name: "anycompatiblemultirange", element: 0, array: 0 },
    Entry { oid: PG_BRIN_BLOOM_SUMMARY, name: "pg_brin_bloom_summary", element: 0, array: 0 },
    Entry {
        oid: PG_BRIN_MINMAX_MULTI_SUMMARY,
        name: "pg_brin_minmax_multi_summary",
        element: 0,
        array: 0,
    },
    Entry { oid: PG_MCV_LIST, name: "pg_mcv_list", element: 0, array: 0 },
    Entry { oid: PG_SNAPSHOT, name: "pg_snapshot", element: 0, array: PG_SNAPSHOT_ARRAY },
    Entry { oid: PG_SNAPSHOT_ARRAY, name: "pg_snapshot[]", element: PG_SNAPSHOT, array: 0 },
    Entry { oid: XID8, name: "xid8", element: 0, array: XID8_ARRAY },
    Entry { oid: ANYCOMPATIBLE, name: "anycompatible", element: 0, array: 0 },
    Entry { oid: ANYCOMPATIBLEARRAY, name: "anycompatiblearray", element: 0, array: 0 },
    Entry { oid: ANYCOMPATIBLENONARRAY, name: "anycompatiblenonarray", element: 0, array: 0 },
    Entry { oid: ANYCOMPATIBLERANGE, name: "anycompatiblerange", element: 0, array: 0 },
    Entry {
        oid: INT4MULTIRANGE_ARRAY,
        name: "int4multirange[]",
        element: INT4MULTIRANGE,
        array: 0,
    },
    Entry { oid: NUMMULTIRANGE_ARRAY, name: "nummultirange[]", element: NUMMULTIRANGE, array: 0 },
    Entry { oid: TSMULTIRANGE_ARRAY, name: "tsmultirange[]", element: TSMULTIRANGE, array: 0 },
    Entry {
        oid: TSTZMULTIRANGE_ARRAY,
        name: "tstzmultirange[]",
        element: TSTZMULTIRANGE,
        array: 0,
    },
    Entry {
        oid: DATEMULTIRANGE_ARRAY,
        name: "datemultirange[]",
        element: DATEMULTIRANGE,
        array: 0,
    },
    Entry {
        oid: INT8MULTIRANGE_ARRAY,
        name: "int8multirange[]",
        element: INT8MULTIRANGE,
        array: 0,
    },
];

/// The first OID of objects created after `initdb` (`FirstNormalObjectId`): enums,
/// composites, domains, extension types and their arrays have OIDs from here on.
pub const FIRST_NORMAL_OID: Oid = 16_384;

/// One row of [`TYPES`].
struct Entry {
    oid: Oid,
    name: &'static str,
    /// The element type of an array type, else 0.
    element: Oid,
    /// The array type whose elements are of this type, else 0.
    array: Oid,
}

fn entry(oid: Oid) -> Option<&'static Entry> {
    TYPES.binary_search_by_key(&oid, |e| e.oid).ok().and_then(|i| TYPES.get(i))
}

/// The name of a built-in type: its `pg_type.typname`, except that arrays are written
/// `element[]` (`"int4[]"`, not `"_int4"`) and the one-byte `"char"` type keeps its quotes.
///
/// `None` for types that are not built in (enums, composites, extension types...).
///
/// ```
/// use pgtusk::types::oid;
/// assert_eq!(oid::type_name(oid::INT8), Some("int8"));
/// assert_eq!(oid::type_name(oid::TEXT_ARRAY), Some("text[]"));
/// assert_eq!(oid::type_name(123_456), None);
/// ```
pub fn type_name(oid: Oid) -> Option<&'static str> {
    entry(oid).map(|e| e.name)
}

/// The OID of a built-in type by its name as [`type_name`] writes it (`"int8"`, `"text[]"`),
/// or by its `pg_type.typname` (`"_int4"` for `int4[]`).
///
/// ```
/// use pgtusk::types::oid;
/// assert_eq!(oid::by_name("int8"), Some(oid::INT8));
/// assert_eq!(oid::by_name("_int4"), Some(oid::INT4_ARRAY));
/// assert_eq!(oid::by_name("my_enum"), None);
/// ```
pub fn by_name(name: &str) -> Option<Oid> {
    if let Some(element) = name.strip_prefix('_').and_then(by_name) {
        return array_type(element);
    }
    TYPES.iter().find(|e| e.name == name).map(|e| e.oid)
}

/// The array type of a built-in element type (`INT4` → `INT4_ARRAY`), if it has one.
pub fn array_type(element: Oid) -> Option<Oid> {
    entry(element).map(|e| e.array).filter(|&a| a != 0)
}

/// The element type of a built-in array type (`INT4_ARRAY` → `INT4`), if `array` is one.
pub fn element_type(array: Oid) -> Option<Oid> {
    entry(array).map(|e| e.element).filter(|&e| e != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        assert!(TYPES.windows(2).all(|w| matches!(w, [a, b] if a.oid < b.oid)));
    }

    #[test]
    fn well_known_values() {
        let expected = [
            (BOOL, 16, "bool"),
            (BYTEA, 17, "bytea"),
            (CHAR, 18, "\"char\""),
            (NAME, 19, "name"),
            (INT8, 20, "int8"),
            (INT2, 21, "int2"),
            (INT4, 23, "int4"),
            (TEXT, 25, "text"),
            (OID, 26, "oid"),
            (JSON, 114, "json"),
            (FLOAT4, 700, "float4"),
            (FLOAT8, 701, "float8"),
            (UNKNOWN, 705, "unknown"),
            (BPCHAR, 1042, "bpchar"),
            (VARCHAR, 1043, "varchar"),
            (DATE, 1082, "date"),
            (TIME, 1083, "time"),
            (TIMESTAMP, 1114, "timestamp"),
            (TIMESTAMPTZ, 1184, "timestamptz"),
            (INTERVAL, 1186, "interval"),
            (NUMERIC, 1700, "numeric"),
            (UUID, 2950, "uuid"),
            (JSONB, 3802, "jsonb"),
            (INT4_ARRAY, 1007, "int4[]"),
            (TEXT_ARRAY, 1009, "text[]"),
            (CHAR_ARRAY, 1002, "\"char\"[]"),
            (JSONB_ARRAY, 3807, "jsonb[]"),
        ];
        for (constant, value, name) in expected {
            assert_eq!(constant, value);
            assert_eq!(type_name(value), Some(name));
        }
    }

    #[test]
    fn arrays_and_elements_agree() {
        for e in TYPES {
            if e.array != 0 {
                assert_eq!(element_type(e.array), Some(e.oid), "{}", e.name);
            }
            if e.element != 0 {
                assert_eq!(array_type(e.element), Some(e.oid), "{}", e.name);
            }
        }
        assert_eq!(array_type(INT8), Some(INT8_ARRAY));
        assert_eq!(element_type(INT8), None);
        assert_eq!(array_type(0), None);
        assert_eq!(type_name(0), None);
    }
}
