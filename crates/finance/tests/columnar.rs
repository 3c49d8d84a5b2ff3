//! Parquet and Arrow IPC input: the same payments written as CSV and in each columnar
//! container, with the column types analysts' tools write (timestamps, decimals,
//! dictionary-encoded text, large and view strings), read to the same records; a bad value
//! refused as in a CSV; a column of a type no format has named with its type.

use arrow_array::builder::StringDictionaryBuilder;
use arrow_array::types::Int32Type;
use arrow_array::{
    ArrayRef, Decimal128Array, LargeStringArray, ListArray, RecordBatch, StringArray,
    StringViewArray, TimestampMillisecondArray,
};
use arrow_schema::{DataType, Field, Schema};
use std::sync::Arc;
use unchain_finance::input::{self, Container, Loaded, Options};

const CSV: &str = "id,timestamp,from,to,amount,currency,channel\n\
                   t1,1767225600,A,B,1250.50,USD,wire\n\
                   t2,1767229200,B,C,1200,usd,Mobile Money\n\
                   t3,1767232800,C,A,99.99,EUR,cash\n";

/// The CSV's payments as a batch of other types: a millisecond timestamp with a zone, a
/// dictionary of payers, large strings for payees, a decimal of scale 2, view strings for
/// currencies.
fn batch(amounts: [i128; 3]) -> RecordBatch {
    let mut from = StringDictionaryBuilder::<Int32Type>::new();
    for v in ["A", "B", "C"] {
        from.append_value(v);
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(vec!["t1", "t2", "t3"])),
        Arc::new(
            TimestampMillisecondArray::from(vec![
                1_767_225_600_000,
                1_767_229_200_000,
                1_767_232_800_000,
            ])
            .with_timezone("UTC"),
        ),
        Arc::new(from.finish()),
        Arc::new(LargeStringArray::from(vec!["B", "C", "A"])),
        Arc::new(
            Decimal128Array::from(amounts.to_vec())
                .with_precision_and_scale(18, 2)
                .expect("decimal"),
        ),
        Arc::new(StringViewArray::from(vec!["USD", "usd", "EUR"])),
        Arc::new(StringArray::from(vec!["wire", "Mobile Money", "cash"])),
    ];
    let fields: Vec<Field> = [
        "id",
        "timestamp",
        "from",
        "to",
        "amount",
        "currency",
        "channel",
    ]
    .iter()
    .zip(&columns)
    .map(|(n, c)| Field::new(*n, c.data_type().clone(), true))
    .collect();
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).expect("batch")
}

fn parquet(b: &RecordBatch) -> Vec<u8> {
    let mut out = Vec::new();
    let mut w = parquet::arrow::ArrowWriter::try_new(&mut out, b.schema(), None).expect("writer");
    w.write(b).expect("write");
    w.close().expect("close");
    out
}

fn ipc_file(b: &RecordBatch) -> Vec<u8> {
    let mut out = Vec::new();
    let mut w = arrow_ipc::writer::FileWriter::try_new(&mut out, &b.schema()).expect("writer");
    w.write(b).expect("write");
    w.finish().expect("finish");
    drop(w);
    out
}

fn ipc_stream(b: &RecordBatch) -> Vec<u8> {
    let mut out = Vec::new();
    let mut w = arrow_ipc::writer::StreamWriter::try_new(&mut out, &b.schema()).expect("writer");
    w.write(b).expect("write");
    w.finish().expect("finish");
    drop(w);
    out
}

/// Reads `bytes` as the container its first bytes say.
fn read(bytes: Vec<u8>, options: Options) -> Result<Loaded, input::InputError> {
    let container = Container::sniff(&bytes).expect("a columnar container");
    read_as(bytes, container, options)
}

/// Reads `bytes` from a file as `container`, whatever its first bytes say.
fn read_as(
    bytes: Vec<u8>,
    container: Container,
    options: Options,
) -> Result<Loaded, input::InputError> {
    let file = tempfile::tempfile().expect("tmp");
    std::io::Write::write_all(&mut &file, &bytes).expect("write");
    std::io::Seek::rewind(&mut &file).expect("rewind");
    input::read_columnar(file, container, options, |_| {})
}

fn same(a: &Loaded, b: &Loaded) {
    assert_eq!(a.records, b.records);
    assert_eq!(a.names.ids.len(), b.names.ids.len());
    for i in 0..a.names.ids.len() {
        assert_eq!(&a.names.ids[i], &b.names.ids[i]);
    }
    for r in &a.records {
        for acct in [r.from, r.to] {
            assert_eq!(a.names.accounts.name(acct), b.names.accounts.name(acct));
        }
        assert_eq!(
            a.names.currencies.name(u32::from(r.currency)),
            b.names.currencies.name(u32::from(r.currency))
        );
        assert_eq!(
            a.names.channels.name(u32::from(r.channel)),
            b.names.channels.name(u32::from(r.channel))
        );
    }
}

#[test]
fn each_container_reads_to_the_records_of_the_csv() {
    let csv = input::read_all(CSV.as_bytes(), false, |_| {}).expect("csv");
    assert_eq!(csv.records.len(), 3);
    let b = batch([125_050, 120_000, 9_999]);
    for (name, bytes) in [
        ("parquet", parquet(&b)),
        ("ipc file", ipc_file(&b)),
        ("ipc stream", ipc_stream(&b)),
    ] {
        let got = read(bytes, Options::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
        same(&csv, &got);
    }
    assert_eq!(Container::sniff(CSV.as_bytes()), None);
}

#[test]
fn a_bad_value_is_refused_as_in_a_csv() {
    // A negative amount on the second row.
    let bad_csv = CSV.replace("B,C,1200,", "B,C,-12.00,");
    let csv_err = input::read_all(bad_csv.as_bytes(), false, |_| {})
        .expect_err("refused")
        .to_string();
    let b = batch([125_050, -1_200, 9_999]);
    for bytes in [parquet(&b), ipc_file(&b), ipc_stream(&b)] {
        let err = read(bytes, Options::default())
            .expect_err("refused")
            .to_string();
        assert!(err.starts_with("line 3, column amount: "), "{err}");
        assert_eq!(err, csv_err);
    }
    // Skipped instead, the rest reads.
    let skipping = Options {
        skip_bad_rows: true,
        ..Options::default()
    };
    let got = read(parquet(&b), skipping).expect("reads");
    assert_eq!((got.records.len(), got.skipped.len()), (2, 1));
}

#[test]
fn a_column_of_a_type_no_format_has_is_named_with_its_type() {
    let b = batch([125_050, 120_000, 9_999]);
    let list = ListArray::from_iter_primitive::<Int32Type, _, _>(vec![
        Some(vec![Some(1)]),
        Some(vec![Some(2)]),
        Some(vec![Some(3)]),
    ]);
    let mut columns = b.columns().to_vec();
    columns[6] = Arc::new(list);
    let mut fields: Vec<Field> = b
        .schema()
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    fields[6] = Field::new("channel", columns[6].data_type().clone(), true);
    let with_list =
        RecordBatch::try_new(Arc::new(Schema::new(fields.clone())), columns.clone()).expect("b");
    let err = read(ipc_file(&with_list), Options::default())
        .expect_err("refused")
        .to_string();
    assert!(
        err.contains("column `channel` is of type List") && err.contains("which is not read"),
        "{err}"
    );
    // The same column under a name no format reads is passed over.
    fields[6] = Field::new("notes", columns[6].data_type().clone(), true);
    columns.push(Arc::new(StringArray::from(vec!["wire"; 3])));
    fields.push(Field::new("channel", DataType::Utf8, true));
    let extra = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).expect("b");
    assert_eq!(
        read(ipc_file(&extra), Options::default())
            .expect("reads")
            .records
            .len(),
        3
    );
}

#[test]
fn a_broken_container_is_refused_naming_it() {
    let mut bytes = parquet(&batch([125_050, 120_000, 9_999]));
    bytes.truncate(bytes.len() / 2);
    let err = read(bytes, Options::default())
        .expect_err("refused")
        .to_string();
    assert!(err.starts_with("Parquet: "), "{err}");
    let err = read(b"ARROW1\0\0garbage".to_vec(), Options::default())
        .expect_err("refused")
        .to_string();
    assert!(err.starts_with("Arrow IPC file: "), "{err}");
    // The fuzzer's finding: a 3 KB file whose footer claims a 3.4 GB block is refused
    // before anything is allocated for it, naming the block.
    let err = read(
        seed("regression-oom-ipc-footer-block-length"),
        Options::default(),
    )
    .expect_err("refused")
    .to_string();
    assert!(
        err.starts_with("Arrow IPC file: a block at offset ") && err.contains("past the end"),
        "{err}"
    );
    // And a Parquet file whose column chunk has a negative offset, on which the parquet
    // crate panics, is refused before it reads.
    let err = read(
        seed("regression-panic-parquet-negative-offset"),
        Options::default(),
    )
    .expect_err("refused")
    .to_string();
    assert!(err.starts_with("Parquet: row group "), "{err}");
    // And one with a data page that uses a dictionary before any dictionary page, on
    // which the parquet crate panics while reading: its pages are walked before any row
    // is read, and the broken page header is named.
    let err = read(
        seed("regression-panic-parquet-dictionary-decoder"),
        Options::default(),
    )
    .expect_err("refused")
    .to_string();
    assert!(err.starts_with("Parquet: row group 0, column 1: "), "{err}");
    // The fuzzer's finding: a 3.8 KB file whose dictionary page claims 1.2 billion values
    // (the parquet crate sized the dictionary by that count: 9.6 GB) is refused naming the
    // column, the count and the bytes there are.
    let oom = seed("regression-oom-parquet-dictionary-count");
    let err = read_as(oom.clone(), Container::Parquet, Options::default())
        .expect_err("refused")
        .to_string();
    assert_eq!(
        err,
        "Parquet: row group 0, column 4: its dictionary page claims 1207959552 values, \
         which need at least 9663676416 bytes; the page holds 472"
    );
    // Read as an Arrow IPC stream, the same bytes claim 962 MB of metadata, which
    // arrow-rs would allocate: refused before it does.
    let err = read_as(oom, Container::ArrowStream, Options::default())
        .expect_err("refused")
        .to_string();
    assert_eq!(
        err,
        "Arrow IPC stream: message 0 claims 961691984 bytes of metadata; 3817 remain"
    );
    // And a stream written by arrow-rs whose first message's length is raised past the
    // end, and one whose stream stops inside a message.
    let mut stream = ipc_stream(&batch([125_050, 120_000, 9_999]));
    let whole = stream.len();
    stream[4..8].copy_from_slice(&0x7FFF_0000i32.to_le_bytes());
    let err = read(stream, Options::default())
        .expect_err("refused")
        .to_string();
    assert_eq!(
        err,
        format!(
            "Arrow IPC stream: message 0 claims {} bytes of metadata; {} remain",
            0x7FFF_0000,
            whole - 8
        )
    );
    let mut stream = ipc_stream(&batch([125_050, 120_000, 9_999]));
    stream.truncate(stream.len() - 20);
    let err = read(stream, Options::default())
        .expect_err("refused")
        .to_string();
    assert!(err.starts_with("Arrow IPC stream: message "), "{err}");
}

/// The fuzz corpus's seeds, written by pyarrow 22 (PyPI): an independent writer.
fn seed(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus/finance_columnar")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn files_pyarrow_wrote_read_alike_in_every_container_and_codec() {
    // 59 payments of the synthetic generator: snappy and zstd Parquet, an IPC file and
    // stream; the first 20 again as gzip Parquet with dictionaries and as lz4 Feather
    // (refused).
    let snappy = read(seed("seed-generic-snappy.parquet"), Options::default()).expect("snappy");
    assert_eq!(snappy.records.len(), 59);
    for name in [
        "seed-generic-zstd.parquet",
        "seed-generic.arrow",
        "seed-generic-stream.arrows",
    ] {
        same(&snappy, &read(seed(name), Options::default()).expect(name));
    }
    let gzip = read(seed("seed-generic-gzip.parquet"), Options::default()).expect("gzip");
    assert_eq!(gzip.records[..], snappy.records[..20]);
    // Compressed IPC bodies are refused with the reason and what to do instead.
    let err = read(seed("seed-generic-lz4.feather"), Options::default())
        .expect_err("lz4 IPC refused")
        .to_string();
    assert!(
        err.starts_with("Arrow IPC file: its record batches are compressed")
            && err.contains("compression='uncompressed'"),
        "{err}"
    );
    // Typed columns: a millisecond timestamp with a zone, a dictionary, a decimal.
    for name in ["seed-typed.parquet", "seed-typed.arrow"] {
        let got = read(seed(name), Options::default()).expect(name);
        assert_eq!(got.records.len(), 2);
        assert_eq!(got.records[0].ts, 1_767_225_600);
        assert_eq!(got.records[0].amount, 12_500_000);
        assert_eq!(got.names.accounts.name(got.records[1].from), "B");
    }
    // IBM's columns: the self-transfer left out, the laundering label kept.
    let ibm = read(seed("seed-altman.parquet"), Options::default()).expect("ibm");
    assert_eq!(ibm.format, input::Format::Altman);
    assert_eq!((ibm.records.len(), ibm.labelled.len()), (1, 1));
    // AMLSim 2019's, with integer steps as days.
    let aml = read(seed("seed-amlsim2019.parquet"), Options::default()).expect("amlsim");
    assert_eq!(aml.format, input::Format::AmlSim2019);
    assert_eq!(aml.records[0].ts, 25 * 86_400);
}
