//! Files and directories.

use super::*;

#[test]
fn directory_walk() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sub = dir.path().join("acct2");
    std::fs::create_dir(&sub).expect("mkdir");
    std::fs::write(
        dir.path().join("Vpcs.json"),
        r#"{"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}]}"#,
    )
    .expect("write");
    std::fs::write(
        sub.join("s.json"),
        r#"{"Subnets": [{"SubnetId": "subnet-1", "VpcId": "vpc-1", "CidrBlock": "10.0.1.0/24"}]}"#,
    )
    .expect("write");
    std::fs::write(
        sub.join("m.yml"),
        "subnets: [{id: subnet-2, vpc: vpc-1, cidr: 10.0.2.0/24}]\n",
    )
    .expect("write");
    std::fs::write(dir.path().join("README.txt"), "not input").expect("write");
    let mut l = Loader::new();
    l.add_snapshot_path(dir.path()).expect("walk");
    let n = l.finish().expect("valid");
    assert_eq!(n.subnets.len(), 2);
    assert!(n.subnets["subnet-1"].origin.file.ends_with("s.json"));

    let mut l = Loader::new();
    let e = l
        .add_model_path(&dir.path().join("missing.yaml"))
        .expect_err("io");
    assert!(matches!(e, IngestError::Io { .. }), "{e:?}");
    assert!(e.to_string().contains("missing.yaml"));
    std::fs::write(dir.path().join("bad.json"), "{").expect("write");
    let e = Loader::new()
        .add_snapshot_path(dir.path())
        .expect_err("bad json");
    assert!(
        matches!(&e, IngestError::Parse { file, .. } if file.ends_with("bad.json")),
        "{e:?}"
    );
}
