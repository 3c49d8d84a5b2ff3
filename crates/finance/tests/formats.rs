//! The published formats, each in its own header and quirks: AMLSim's output (currencies
//! from accounts.csv, is_sar labels, alerts.csv as truth), IBM's AML data (two `Account`
//! columns, currency names, reinvestment self-transfers, Is Laundering), and crypto
//! transfers (wei and decimals, contract calls of no value).

use unchain_finance::detect::{self, Params};
use unchain_finance::input::{self, Format, Options, read_all, read_with};
use unchain_finance::{Graph, truth};

const ALTMAN: &str = "\
Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,Amount Paid,Payment Currency,Payment Format,Is Laundering
2022/09/01 00:20,010,8000EBD30,010,8000EBD30,3697.34,US Dollar,3697.34,US Dollar,Reinvestment,0
2022/09/01 00:20,03208,8000F4580,001,8000F5340,0.01,US Dollar,0.01,US Dollar,Cheque,0
2022/09/01 00:02,0110,8000EC1E0,03402,80021DAD0,7739.29,Euro,7739.29,Euro,Credit Card,1
2022/09/01 00:05,0110,8000EC1E0,03402,80021DAD0,12.5,Euro,12.5,Dollar of Nowhere,ACH,0
";

#[test]
fn ibm_aml_data_reads_with_banks_currency_names_and_labels() {
    let l = read_all(ALTMAN.as_bytes(), true, |_| {}).expect("header");
    assert_eq!(l.format, Format::Altman);
    assert_eq!(l.records.len(), 2);
    let r = l.records[1];
    assert_eq!(l.names.accounts.name(r.from), "0110/8000EC1E0");
    assert_eq!(l.names.accounts.name(r.to), "03402/80021DAD0");
    assert_eq!(l.names.currencies.name(r.currency as u32), "EUR");
    assert_eq!(l.names.channels.name(r.channel as u32), "credit_card");
    assert_eq!(r.ts, 1_661_990_520, "2022-09-01 00:02 UTC");
    assert_eq!(r.amount, 7_739_290_000);
    assert_eq!(
        l.labelled,
        vec![1],
        "the second record is labelled laundering"
    );
    assert_eq!(
        &l.names.ids[0], "line 3",
        "no id column: the line is the id"
    );
    assert_eq!(l.ignored.values().sum::<u64>(), 1, "the reinvestment");
    assert_eq!(l.skipped.len(), 1);
    assert_eq!(
        l.skipped[0].to_string(),
        "line 5, column Payment Currency: \"Dollar of Nowhere\" is not a currency of IBM's AML data"
    );
}

#[test]
fn amlsim_output_takes_currencies_from_accounts_and_alerts_as_truth() {
    let accounts = "acct_id,dsply_nm,type,acct_stat,acct_rptng_crncy,branch_id\n\
                    1,C_1,I,A,EUR,1\n2,C_2,I,A,USD,1\n";
    let mut tx = String::from(
        "tran_id,tran_timestamp,base_amt,tx_type,is_frgn_trxn,orig_acct,bene_acct,is_sar,alert_id\n",
    );
    // Account 1 pays twelve others within a day: AMLSim's fan_out alert 7.
    for i in 0..12 {
        tx.push_str(&format!(
            "{i},2017-01-0{}T0{}:00:00Z,{}.5,TRANSFER,false,1,{},true,7\n",
            1 + i / 10,
            i % 10,
            100 + i,
            10 + i
        ));
    }
    tx.push_str("99,2017-01-03T00:00:00Z,5,TRANSFER,false,2,2,false,-1\n");
    let options = Options {
        account_currency: input::amlsim_account_currencies(accounts.as_bytes()).expect("accounts"),
        ..Options::default()
    };
    let l = read_with(tx.as_bytes(), options, |_| {}).expect("read");
    assert_eq!(l.format, Format::AmlSim);
    assert_eq!(l.records.len(), 12);
    assert_eq!(l.names.currencies.name(l.records[0].currency as u32), "EUR");
    assert_eq!(
        l.names.channels.name(l.records[0].channel as u32),
        "transfer"
    );
    assert_eq!(l.labelled.len(), 12);
    assert_eq!(l.ignored.values().sum::<u64>(), 1);
    let g = Graph::build(&l.records, &l.names);
    let alerts = detect::run_all(&g, &Params::default());
    let alerts_csv = "alert_id,alert_type,is_sar,tran_id,orig_acct,bene_acct,tx_type,base_amt,tran_timestamp\n\
                      7,fan_out,true,0,1,10,TRANSFER,100.5,2017-01-01T00:00:00Z\n\
                      7,fan_out,true,1,1,11,TRANSFER,101.5,2017-01-01T01:00:00Z\n\
                      8,bipartite,true,5,3,4,TRANSFER,1,2017-01-01T01:00:00Z\n";
    let (instances, other) = truth::read_amlsim_alerts(alerts_csv.as_bytes()).expect("alerts");
    assert_eq!(instances.len(), 1);
    assert_eq!(instances[0].typology, "fan_out");
    assert_eq!(instances[0].accounts, vec!["1", "10", "11"]);
    assert_eq!(other.get("bipartite"), Some(&1));
    let scores = unchain_finance::synth::evaluate(&g, &alerts, &l.names, &instances);
    let fan_out = scores
        .iter()
        .find(|s| s.typology == "fan_out")
        .expect("scored");
    assert_eq!((fan_out.injected, fan_out.found), (1, 1));
    assert_eq!(
        instances[0].transactions,
        vec!["0", "1"],
        "tran_id names them"
    );
    // AMLSim's alert_accounts.csv: members only, scored by account.
    let members = "alert_id,alert_type,acct_id,acct_name,is_subject,model_id,min_amount,max_amount,start,end,schedule_id\n\
                   7,fan_out,1,C_1,true,1,100,200,0,10,1\n\
                   7,fan_out,10,C_10,false,1,100,200,0,10,1\n\
                   9,cycle,3,C_3,true,2,100,200,0,10,1\n";
    let (from_members, _) = truth::read_amlsim_alerts(members.as_bytes()).expect("members");
    assert_eq!(from_members.len(), 2);
    assert_eq!(from_members[0].accounts, vec!["1", "10"]);
    assert!(from_members[0].transactions.is_empty());
    let scored = unchain_finance::synth::evaluate(&g, &alerts, &l.names, &from_members);
    let fan_out = scored
        .iter()
        .find(|s| s.typology == "fan_out")
        .expect("fan_out");
    assert_eq!((fan_out.found, fan_out.by_account), (1, 1));
    let labels = truth::evaluate_labels(&g, &alerts, &l.labelled);
    let all = labels.last().expect("all");
    assert_eq!(all.detector, "all");
    assert_eq!(
        all.covered, 12,
        "every labelled payment is in the fan-out's evidence"
    );
}

#[test]
fn crypto_transfers_read_wei_and_decimals_and_leave_out_contract_calls() {
    let csv = "\
hash,block_timestamp,from_address,to_address,value
0xa1,2024-01-31 12:00:00 UTC,0x1111111111111111111111111111111111111111,0x2222222222222222222222222222222222222222,1500000000000000000
0xa2,2024-01-31 12:05:00 UTC,0x2222222222222222222222222222222222222222,0x3333333333333333333333333333333333333333,0
0xa3,1706702700,0x2222222222222222222222222222222222222222,0x3333333333333333333333333333333333333333,0.123456789
0xa4,2024-01-31 12:10:00 UTC,0x2222222222222222222222222222222222222222,0x3333333333333333333333333333333333333333,-4
";
    let options = Options {
        currency: "ETH".into(),
        skip_bad_rows: true,
        ..Options::default()
    };
    let l = read_with(csv.as_bytes(), options, |_| {}).expect("read");
    assert_eq!(l.format, Format::Crypto);
    assert_eq!(l.records.len(), 2);
    assert_eq!(l.records[0].amount, 1_500_000, "1.5 ETH in millionths");
    assert_eq!(
        l.records[1].amount, 123_456,
        "decimals past the sixth dropped"
    );
    assert_eq!(l.names.currencies.name(0), "ETH");
    assert_eq!(l.names.channels.name(0), "crypto");
    assert_eq!(&l.names.ids[1], "0xa3");
    assert_eq!(l.ignored.values().sum::<u64>(), 1, "the contract call");
    assert_eq!(l.skipped.len(), 1);
    assert_eq!(l.skipped[0].line, 5);
    assert_eq!(l.skipped[0].column, "value");
    // Satoshi.
    let btc = "hash,block_timestamp,from_address,to_address,value\nx,1706702700,bc1qaaaaaaaaaaaaaaaaaa,bc1qbbbbbbbbbbbbbbbbbb,150000000\n";
    let l = read_with(
        btc.as_bytes(),
        Options {
            crypto_decimals: 8,
            ..Options::default()
        },
        |_| {},
    )
    .expect("read");
    assert_eq!(l.records[0].amount, 1_500_000, "1.5 BTC");
}

#[test]
fn a_format_forced_on_the_wrong_file_names_the_missing_column() {
    let err = read_with(
        ALTMAN.as_bytes(),
        Options {
            format: Some(Format::Crypto),
            ..Options::default()
        },
        |_| {},
    )
    .expect_err("wrong format");
    assert_eq!(
        err.to_string(),
        "the header has no `from_address` column, which the crypto format needs"
    );
    assert!(
        "parquet"
            .parse::<Format>()
            .expect_err("unknown")
            .contains("generic, amlsim, altman, crypto")
    );
}
