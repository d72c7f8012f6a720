//! The store keeps what was committed and only that: blocks and index entries survive a
//! reopen, uncommitted writes do not, range deletes remove exactly their range, and a file
//! that is not a database is refused by name.
use cid::Cid;
use fvm_ipld_blockstore::Blockstore;
use multihash_codetable::{Code, MultihashDigest};
use skyr_store::Db;

fn block(n: u8) -> (Cid, Vec<u8>) {
    let data = fvm_ipld_encoding::to_vec(&vec![n; 3]).unwrap();
    let cid = Cid::new_v1(fvm_ipld_encoding::DAG_CBOR, Code::Blake2b256.digest(&data));
    (cid, data)
}

#[test]
fn commits_survive_a_reopen_and_nothing_else_does() {
    let dir = std::env::temp_dir().join(format!("skyr-store-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("db.redb");
    let (a, a_data) = block(1);
    let (b, b_data) = block(2);
    {
        let db = Db::open(&path).unwrap();
        db.put_keyed(&a, &a_data).unwrap();
        for h in 0u8..5 {
            db.index_put(&[b't', h], &[h]);
        }
        assert!(db.has_pending());
        // Pending writes are read back before the commit.
        assert_eq!(db.get(&a).unwrap(), Some(a_data.clone()));
        db.commit().unwrap();
        assert!(!db.has_pending());
        db.index_delete_range(&[b't', 3], &[b't', 0xff]);
        db.commit().unwrap();
        // Written after the last commit: lost with the process.
        db.put_keyed(&b, &b_data).unwrap();
        db.index_put(b"x", b"y");
    }
    let db = Db::open(&path).unwrap();
    assert_eq!(db.get(&a).unwrap(), Some(a_data));
    assert!(db.has(&a).unwrap());
    assert_eq!(db.get(&b).unwrap(), None);
    assert_eq!(db.index_get(b"x").unwrap(), None);
    let kept: Vec<u8> = db
        .index_scan(b"t")
        .unwrap()
        .into_iter()
        .map(|(_, v)| v[0])
        .collect();
    assert_eq!(kept, vec![0, 1, 2]);
    drop(db);

    std::fs::write(dir.join("junk"), b"this is not a database").unwrap();
    let e = Db::open(&dir.join("junk")).err().expect("refused");
    assert!(e.to_string().contains("cannot open the database"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}
