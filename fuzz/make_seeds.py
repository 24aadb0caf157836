#!/usr/bin/env python3
"""Writes the hand-made part of the seed corpus (fuzz/corpus-seed/<target>/).

Run from fuzz/: `python3 make_seeds.py`. The seeds are real protocol messages, as PostgreSQL
sends them (backend) or as the driver sends them (frontend), plus the RFC 7677 SCRAM exchange;
core_startup also gets seeds cut from the recorded transcripts in tests/transcripts/
(phase byte + chunk byte + flags byte + server bytes).
"""
import glob
import os
import shutil
import struct
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def frame(tag, body):
    return tag + struct.pack(">I", len(body) + 4) + body


def cstr(s):
    return s.encode() + b"\0"


def write(target, name, data):
    d = os.path.join(HERE, "corpus-seed", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


SERVER_FIRST = b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
SERVER_FINAL = b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="

row_desc = struct.pack(">h", 2) + cstr("a") + struct.pack(">IhIhih", 0, 0, 23, 4, -1, 0) \
    + cstr("b") + struct.pack(">IhIhih", 16384, 2, 25, -1, -1, 1)
BACKEND = {
    "auth_ok": (b"R", struct.pack(">i", 0)),
    "auth_cleartext": (b"R", struct.pack(">i", 3)),
    "auth_md5": (b"R", struct.pack(">i", 5) + b"\x01\x02\x03\x04"),
    "auth_sasl": (b"R", struct.pack(">i", 10) + cstr("SCRAM-SHA-256-PLUS") + cstr("SCRAM-SHA-256") + b"\0"),
    "auth_sasl_continue": (b"R", struct.pack(">i", 11) + SERVER_FIRST),
    "auth_sasl_final": (b"R", struct.pack(">i", 12) + SERVER_FINAL),
    "auth_gss_continue": (b"R", struct.pack(">i", 8) + b"gss"),
    "backend_key_4": (b"K", struct.pack(">iI", 4242, 0xDEADBEEF)),
    "backend_key_32": (b"K", struct.pack(">i", 4242) + bytes(range(32))),
    "parameter_status": (b"S", cstr("server_version") + cstr("18.0")),
    "ready_idle": (b"Z", b"I"),
    "ready_tx": (b"Z", b"T"),
    "ready_failed": (b"Z", b"E"),
    "row_description": (b"T", row_desc),
    "data_row": (b"D", struct.pack(">hi", 3, 1) + b"1" + struct.pack(">i", -1) + struct.pack(">i", 3) + b"abc"),
    "command_complete": (b"C", cstr("SELECT 3")),
    "command_complete_insert": (b"C", cstr("INSERT 0 5")),
    "error": (b"E", b"SERROR\0VERROR\0C22012\0Mdivision by zero\0Fint.c\0L841\0Rint4div\0\0"),
    "error_position": (b"E", b"SERROR\0C42601\0Msyntax error\0P15\0p3\0qSELECT x\0\0"),
    "notice": (b"N", b"SNOTICE\0VNOTICE\0C00000\0Mhi\0WPL/pgSQL function inline_code_block line 1 at RAISE\0\0"),
    "notification": (b"A", struct.pack(">i", 4242) + cstr("c") + cstr("payload")),
    "parameter_description": (b"t", struct.pack(">hII", 2, 23, 25)),
    "copy_in": (b"G", b"\0" + struct.pack(">hhh", 2, 0, 0)),
    "copy_out_binary": (b"H", b"\x01" + struct.pack(">hhh", 2, 1, 1)),
    "copy_both": (b"W", b"\0" + struct.pack(">h", 0)),
    "copy_data": (b"d", b"1\tone\n"),
    "copy_done": (b"c", b""),
    "parse_complete": (b"1", b""),
    "bind_complete": (b"2", b""),
    "close_complete": (b"3", b""),
    "no_data": (b"n", b""),
    "portal_suspended": (b"s", b""),
    "empty_query": (b"I", b""),
    "negotiate_v3_0": (b"v", struct.pack(">Ii", 0, 1) + cstr("_pq_.x")),
    "negotiate_word": (b"v", struct.pack(">Ii", 0x00030002, 0)),
}

for name, (tag, body) in BACKEND.items():
    write("backend_decode", name, tag + body)

# framing_chunked: [max selector][n][n chunk sizes][stream]
stream = b"".join(frame(t, b) for t, b in list(BACKEND.values())[:12])
write("framing_chunked", "stream_default_max", bytes([5, 3, 1, 7, 63]) + stream)
write("framing_chunked", "stream_small_max", bytes([2, 1, 2]) + stream)
write("framing_chunked", "stream_bad_length", bytes([5, 0]) + frame(b"Z", b"I") + b"D\0\0\0\x03")
startup = struct.pack(">I", 196608) + cstr("user") + cstr("u") + b"\0"
write("framing_chunked", "startup_packets", bytes([3, 2, 3, 5]) + struct.pack(">I", len(startup) + 4) + startup
      + struct.pack(">II", 8, 80877103))

# frontend_decode: [mode] [tag] [body] (even mode) or [mode] [startup packet body] (odd mode)
FRONTEND = {
    "query": (b"Q", cstr("SELECT 1")),
    "parse": (b"P", cstr("s1") + cstr("SELECT $1::int4") + struct.pack(">hI", 1, 23)),
    "bind": (b"B", cstr("") + cstr("s1") + struct.pack(">hh", 1, 0) + struct.pack(">hi", 2, 2) + b"42"
             + struct.pack(">i", -1) + struct.pack(">hh", 1, 1)),
    "describe_portal": (b"D", b"P" + cstr("")),
    "describe_statement": (b"D", b"S" + cstr("s1")),
    "execute": (b"E", cstr("") + struct.pack(">I", 0)),
    "close": (b"C", b"S" + cstr("s1")),
    "sync": (b"S", b""),
    "flush": (b"H", b""),
    "terminate": (b"X", b""),
    "copy_data": (b"d", b"1\tone\n"),
    "copy_done": (b"c", b""),
    "copy_fail": (b"f", cstr("abort")),
    "password": (b"p", cstr("secret")),
    "sasl_initial": (b"p", cstr("SCRAM-SHA-256") + struct.pack(">i", 32) + b"n,,n=,r=rOprNGfwEbeRWgbNEkqO" + b"\0" * 4),
    "function_call": (b"F", struct.pack(">Ihhhi", 1598, 1, 1, 1, 4) + b"\0\0\0\x01" + struct.pack(">h", 1)),
}
for name, (tag, body) in FRONTEND.items():
    write("frontend_decode", name, b"\0" + tag + body)
write("frontend_decode", "startup", b"\x01" + startup)
write("frontend_decode", "startup_3_2", b"\x01" + struct.pack(">I", 196610) + cstr("user") + cstr("u")
      + cstr("database") + cstr("d") + cstr("_pq_.x") + cstr("y") + b"\0")
write("frontend_decode", "ssl_request", b"\x01" + struct.pack(">I", 80877103))
write("frontend_decode", "gssenc_request", b"\x01" + struct.pack(">I", 80877104))
write("frontend_decode", "cancel_4", b"\x01" + struct.pack(">Iii", 80877102, 4242, 77))
write("frontend_decode", "cancel_32", b"\x01" + struct.pack(">Ii", 80877102, 4242) + bytes(range(32)))

# scram_server_messages: [flags][len u16][server-first][server-final / DER / names]
def scram(flags, first, final):
    return bytes([flags]) + struct.pack(">H", len(first)) + first + final

write("scram_server_messages", "rfc7677", scram(0x41, SERVER_FIRST, SERVER_FINAL))
write("scram_server_messages", "rfc7677_plus", scram(0x55, SERVER_FIRST, SERVER_FINAL))
write("scram_server_messages", "server_error", scram(0x41, SERVER_FIRST, b"e=invalid-proof"))
write("scram_server_messages", "mechanisms", scram(0x05, b"", b"SCRAM-SHA-256-PLUS\0SCRAM-SHA-256\0"))

# Certificates for tls_server_end_point, made with openssl when it is installed.
def certificate_der(key_args):
    with tempfile.TemporaryDirectory() as d:
        key, der = os.path.join(d, "key.pem"), os.path.join(d, "cert.der")
        subprocess.run(["openssl", "genpkey", *key_args, "-out", key], check=True, capture_output=True)
        subprocess.run(["openssl", "req", "-x509", "-new", "-key", key, "-subj", "/CN=localhost",
                        "-days", "1", "-outform", "DER", "-out", der], check=True, capture_output=True)
        with open(der, "rb") as f:
            return f.read()


if shutil.which("openssl"):
    for name, args in [("cert_ec", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]),
                       ("cert_rsa", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"]),
                       ("cert_ed25519", ["-algorithm", "ED25519"])]:
        if os.path.exists(os.path.join(HERE, "corpus-seed", "scram_server_messages", name)):
            continue  # keys are random: keep the committed certificates stable
        write("scram_server_messages", name, scram(0x41, SERVER_FIRST, certificate_der(args)))

# core_startup: the server side of the recorded transcripts, behind [phase][chunk][flags].
for path in sorted(glob.glob(os.path.join(HERE, "..", "tests", "transcripts", "*-pg*.bin"))):
    if path.endswith(".client.bin"):
        continue
    name = os.path.basename(path)[:-4]
    with open(path, "rb") as f:
        data = f.read()
    write("core_startup", name, bytes([0, 0, 0x20]) + data)
    # After the canned AuthenticationOk (phase 3): the transcript from its first ParameterStatus.
    at = data.find(b"S\0\0\0")
    if name.startswith("simple_query") and at > 0:
        write("core_startup", name + "_ready", bytes([3, 7, 0x21]) + data[at:])
for name, phase, body in [
    ("ssl_no", 1, b"N" + frame(b"R", struct.pack(">i", 0)) + frame(b"Z", b"I")),
    ("ssl_yes", 1, b"S"),
    ("direct", 2, frame(b"R", struct.pack(">i", 0)) + frame(b"Z", b"I")),
    ("sasl_continue", 5, frame(b"R", struct.pack(">i", 11) + b"r=Zml4ZWQtZnV6ei1ub25jZSEhXYZ,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")),
    ("cleartext_ok", 6, frame(b"R", struct.pack(">i", 0)) + frame(b"S", cstr("a") + cstr("b")) + frame(b"Z", b"I")),
    ("md5_error", 7, frame(b"E", b"SFATAL\0C28P01\0Mpassword authentication failed\0\0")),
    ("negotiate", 0, frame(b"v", struct.pack(">Ii", 0, 0)) + frame(b"R", struct.pack(">i", 0))),
    ("copy_out", 4, frame(b"H", struct.pack(">bhh", 0, 1, 0)) + frame(b"d", b"1\n") + frame(b"d", b"22\n")
     + frame(b"N", b"SNOTICE\0C00000\0Mhi\0\0") + frame(b"d", b"333\n") + frame(b"c", b"")
     + frame(b"C", cstr("COPY 3")) + frame(b"C", cstr("SELECT 1")) + frame(b"Z", b"I")),
    ("pipeline_error", 4, frame(b"1", b"") + frame(b"2", b"") + frame(b"E", b"SERROR\0C22012\0Mdivision by zero\0\0")
     + frame(b"Z", b"I")),
]:
    write("core_startup", name, bytes([phase, 0, 0]) + body)

# loaders: [type OID][format: 0 binary, 1 text][value], binary values as the server sends them.
def loader(name, type_oid, value, text=False):
    write("loaders", name, struct.pack(">IB", type_oid, 1 if text else 0) + value)


def array(elem, dims, values):
    out = struct.pack(">iiI", len(dims), int(any(v is None for v in values)), elem)
    for n, lb in dims:
        out += struct.pack(">ii", n, lb)
    for v in values:
        out += struct.pack(">i", -1) if v is None else struct.pack(">i", len(v)) + v
    return out


def i4(n):
    return struct.pack(">i", n)


def numeric(ndigits, weight, sign, dscale, *digits):
    return struct.pack(">hhHh", ndigits, weight, sign, dscale) + b"".join(struct.pack(">H", d) for d in digits)


loader("int4", 23, i4(-7))
loader("int8_text", 20, b"-9223372036854775808", text=True)
loader("float8_nan", 701, struct.pack(">d", float("nan")))
loader("numeric", 1700, numeric(3, 1, 0, 2, 12, 3456, 7800))
loader("numeric_nan", 1700, numeric(0, 0, 0xC000, 0))
loader("numeric_text", 1700, b"-1234.5678e-3", text=True)
loader("text", 25, "héllo".encode())
loader("uuid", 2950, bytes(range(16)))
loader("jsonb", 3802, b'\x01{"a": [1, 2]}')
loader("date", 1082, i4(-2451545))
loader("timestamptz", 1184, struct.pack(">q", 9223372036854775807))
loader("timestamptz_text", 1184, b"2024-02-29 12:34:56.789+05:30", text=True)
loader("interval", 1186, struct.pack(">qii", 3600000000, 2, -14))
loader("inet", 869, bytes([2, 24, 0, 4, 192, 168, 0, 1]))
loader("varbit", 1562, i4(10) + b"\xff\xc0")
loader("int4_array_2d", 1007, array(23, [(2, 0), (2, 1)], [i4(1), None, i4(3), i4(4)]))
loader("text_array_text", 1009, b'[0:1]={"a \\"q\\"",NULL}', text=True)
loader("numeric_array", 1231, array(1700, [(1, 1)], [numeric(1, 0, 0, 0, 5)]))
loader("int4range", 3904, bytes([0x02]) + struct.pack(">i", 4) + i4(1) + struct.pack(">i", 4) + i4(5))
loader("int4range_empty", 3904, bytes([0x01]))
loader("int8multirange", 4536, i4(1) + i4(21) + bytes([0x02]) + struct.pack(">iqiq", 8, 1, 8, 9))
loader("tsrange_text", 3908, b'["2024-01-01 00:00:00",infinity)', text=True)
loader("record", 2249, i4(2) + struct.pack(">Ii", 23, 4) + i4(7) + struct.pack(">Ii", 25, -1))
loader("composite", 90002, i4(2) + struct.pack(">Ii", 23, 4) + i4(7) + struct.pack(">Ii", 90000, 2) + b"bb")
loader("composite_text", 90002, b'(7,"bb")', text=True)
loader("enum", 90000, b"a")
loader("enum_array", 90010, array(90000, [(2, 1)], [b"a", b"bb"]))
loader("domain", 90001, i4(42))
loader("hstore", 90003, i4(2) + i4(1) + b"a" + i4(1) + b"1" + i4(1) + b"b" + i4(-1))
loader("tsvector", 3614, i4(1) + b"word\0" + struct.pack(">HH", 1, 0xC001))
loader("tsquery", 3615, i4(3) + b"\x02\x01" + b"\x01\x00\x00b\0" + b"\x01\x00\x01a\0")
loader("point", 600, struct.pack(">dd", 1.5, -2.0))
loader("path", 602, b"\x01" + i4(2) + struct.pack(">dddd", 0, 0, 1, 1))
loader("polygon_text", 604, b"((0,0),(1,1),(1,0))", text=True)
loader("tid", 27, struct.pack(">IH", 16, 3))
loader("pg_lsn", 3220, struct.pack(">Q", 0x1000000FF))
loader("xml", 142, b"<a>\xc3\xa9</a>")
loader("jsonpath", 4072, b"\x01$.a")

# core_fast_paths: [setup][kind; setup % 4 + 1][chunk][server bytes], the requests' answers as a
# server sends them (kinds: 0 simple query, 1 Parse/Bind/Describe/Execute/Sync, 2 Bind/Execute/
# Sync, 3 Execute with a row limit, 4 COPY TO STDOUT, 5 COPY FROM STDIN, 6 pipelined Flush +
# Describe statement, 7 extended COPY TO STDOUT + a second Execute; bit 7 abandons).
def data_row(*values):
    out = struct.pack(">h", len(values))
    for v in values:
        out += struct.pack(">i", -1) if v is None else struct.pack(">i", len(v)) + v
    return frame(b"D", out)


def fast(name, kinds, body, setup=0, chunk=0):
    assert 1 <= len(kinds) <= 4
    write("core_fast_paths", name, bytes([setup | (len(kinds) - 1)] + kinds + [chunk]) + body)


PARSE, BIND, CLOSE, NO_DATA, SUSPENDED, COPY_DONE = (frame(t, b"") for t in [b"1", b"2", b"3", b"n", b"s", b"c"])
IDLE, IN_TX, FAILED_TX = (frame(b"Z", s) for s in [b"I", b"T", b"E"])
ROWS = (data_row(b"1", None, b"abc") + data_row() + data_row(None) + data_row(*[b"x" * 3] * 40)
        + data_row(b"", b"\0\0\0\x07", None, None) + data_row(b"y" * 300))
ERROR = frame(b"E", b"SERROR\0VERROR\0C22012\0Mdivision by zero\0Fint.c\0L841\0Rint4div\0\0")
NOTICE = frame(b"N", b"SNOTICE\0VNOTICE\0C00000\0Mhi\0\0")
T = frame(b"T", row_desc)


def cc(tag):
    return frame(b"C", cstr(tag))


fast("cached_rows", [2], BIND + ROWS + cc("SELECT 6") + IDLE)
fast("cached_rows_chunked", [2], BIND + ROWS + cc("SELECT 6") + IDLE, setup=0x10, chunk=0x83)
fast("cached_rows_recv_slice", [2], BIND + ROWS + cc("SELECT 6") + IN_TX, setup=0x04, chunk=0x45)
fast("cached_rows_unfilled_slice", [2], BIND + ROWS + cc("SELECT 6") + IDLE, setup=0x0c, chunk=7)
fast("prepared", [1], PARSE + BIND + T + ROWS + cc("SELECT 6") + IDLE)
fast("simple", [0], T + data_row(b"1") + cc("SELECT 1") + T + data_row(b"2") + cc("SELECT 1") + IDLE)
fast("simple_empty", [0], frame(b"I", b"") + IDLE)
fast("portal_suspended", [3], BIND + ROWS[:40] + SUSPENDED + CLOSE + IDLE)
fast("dml_tags", [2, 2, 2], BIND + cc("INSERT 0 5") + IDLE + BIND + cc("UPDATE 12") + IN_TX
     + BIND + cc("DELETE 0") + FAILED_TX)
fast("copy_out", [4], frame(b"H", struct.pack(">bhh", 0, 1, 0)) + frame(b"d", b"1\n") + frame(b"d", b"")
     + NOTICE + frame(b"d", b"333\n" * 50) + COPY_DONE + cc("COPY 3") + IDLE, chunk=9)
fast("copy_out_binary", [4], frame(b"H", b"\x01" + struct.pack(">hhh", 2, 1, 1))
     + frame(b"d", b"PGCOPY\n\xff\r\n\0" + bytes(8)) + frame(b"d", struct.pack(">hi", 2, 4) + bytes(4)
                                                              + struct.pack(">i", -1))
     + frame(b"d", struct.pack(">h", -1)) + COPY_DONE + cc("COPY 1") + IDLE)
fast("copy_out_extended", [7], PARSE + BIND + frame(b"H", struct.pack(">bhh", 0, 1, 0)) + frame(b"d", b"a\n")
     + COPY_DONE + cc("COPY 1") + BIND + data_row(b"7") + cc("SELECT 1") + IDLE)
fast("copy_out_error", [4, 2], frame(b"H", struct.pack(">bhh", 0, 1, 0)) + frame(b"d", b"a\n") + ERROR
     + IDLE + BIND + ROWS + cc("SELECT 6") + IDLE)
fast("copy_in", [5, 2], frame(b"G", b"\0" + struct.pack(">hhh", 2, 0, 0)) + cc("COPY 1") + IDLE
     + BIND + data_row(b"1") + cc("SELECT 1") + IDLE)
fast("pipeline_flush", [6], PARSE + BIND + data_row(b"1") + cc("SELECT 1")
     + frame(b"t", b"\0\0") + NO_DATA + CLOSE + IDLE)
fast("error_mid_stream", [2, 2, 1], BIND + ROWS + ERROR + IDLE + BIND + ROWS + cc("SELECT 6") + IDLE
     + PARSE + ERROR + IDLE)
fast("error_in_pipeline", [6, 2], PARSE + ERROR + IDLE + BIND + data_row(b"1") + cc("SELECT 1") + IDLE)
fast("abandoned", [2 | 0x80, 2, 0x40], BIND + ROWS + cc("SELECT 6") + IDLE + BIND + ROWS
     + cc("SELECT 6") + IDLE + cc("BEGIN") + IN_TX + cc("ROLLBACK") + IDLE + cc("SELECT 1") + IDLE)
fast("requeued", [2, 1], BIND + ROWS + cc("SELECT 6") + IDLE + PARSE + BIND + T + ROWS + cc("SELECT 6")
     + IDLE + BIND + data_row(b"1") + cc("SELECT 1") + IDLE, setup=0x80, chunk=0x21)
fast("notice_between_rows", [2], BIND + data_row(b"1") + NOTICE + frame(b"S", cstr("a") + cstr("b"))
     + frame(b"A", struct.pack(">i", 1) + cstr("c") + cstr("p")) + data_row(b"2") + cc("SELECT 2") + IDLE)
# Truncated and malformed: a stream cut short, then the routine messages broken one by one.
whole = BIND + ROWS + cc("SELECT 6") + IDLE
fast("truncated", [2], whole[:len(whole) // 2])
fast("truncated_header", [2], BIND + b"D\0\0")
for name, bad in [("row_missing_values", b"D\0\0\0\x06\0\x02"),
                  ("row_value_too_long", b"D\0\0\0\x0c\0\x01\0\0\0\x09abc"),
                  ("row_negative_count", b"D\0\0\0\x06\xff\xff"),
                  ("row_trailing_bytes", b"D\0\0\0\x08\0\0xy"),
                  ("row_bad_length_word", b"D\0\0\0\x02\0\0"),
                  ("tag_without_nul", b"C\0\0\0\x08SELE"),
                  ("tag_not_utf8", b"C\0\0\0\x07\xff\xfe\0"),
                  ("ready_bad_status", b"Z\0\0\0\x05X"),
                  ("ready_long", b"Z\0\0\0\x06II"),
                  ("bind_complete_with_body", b"2\0\0\0\x05x"),
                  ("huge_length", b"D\x7f\xff\xff\xff")]:
    fast("malformed_" + name, [2], BIND + data_row(b"1") + bad + cc("SELECT 1") + IDLE)
fast("malformed_copy_data", [4], frame(b"H", struct.pack(">bhh", 0, 1, 0)) + b"d\0\0\0\x02" + COPY_DONE)
# Regression (found by this target): an Execute ended by PortalSuspended during its COPY TO
# STDOUT, then CopyData: a protocol error on both paths, not data on the fast one.
fast("regress_copy_data_after_suspended", [7], PARSE + BIND + frame(b"H", struct.pack(">bhh", 0, 1, 0))
     + SUSPENDED + frame(b"d", b""))
