//! Known-answer tests from the standards: RFC 8032 (Ed25519), GB/T 32905 (SM3) and
//! GB/T 32918 / GM/T 0003 (SM2 signatures on the recommended curve).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code fails loudly on purpose; STYLE.md §7 is for code that handles input"
)]

use govchain_crypto::{
    CryptoError, SM2_DISTID, Scheme, SecretKey, Signer, hash, hash_parts, verify,
};
use govchain_types::{Hash, PublicKey, Signature};

fn unhex<const N: usize>(s: &str) -> [u8; N] {
    let mut out = [0u8; N];
    hex::decode_to_slice(s.replace(' ', ""), &mut out).unwrap();
    out
}

/// RFC 8032 §7.1, TEST 1, TEST 2 and TEST 3: (secret key, public key, message, signature).
const RFC8032: [(&str, &str, &str, &str); 3] = [
    (
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155\
         5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da\
         085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
    (
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac\
         18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    ),
];

#[test]
fn ed25519_rfc8032_tests_1_to_3() {
    for (i, (secret, public, msg, sig)) in RFC8032.iter().enumerate() {
        let key = SecretKey::from_bytes(Scheme::Ed25519, &unhex::<32>(secret)).unwrap();
        let public = PublicKey::Ed25519(unhex(public));
        let msg = hex::decode(msg).unwrap();
        let expected = Signature::Ed25519(unhex(sig));
        assert_eq!(key.public_key(), public, "TEST {}", i + 1);
        assert_eq!(Signer::sign(&key, &msg), expected, "TEST {}", i + 1);
        assert_eq!(verify(&public, &msg, &expected), Ok(()), "TEST {}", i + 1);
        let mut wrong = msg.clone();
        wrong.push(0);
        assert_eq!(
            verify(&public, &wrong, &expected),
            Err(CryptoError::BadSignature),
            "TEST {}",
            i + 1
        );
    }
}

/// GB/T 32905-2016 Appendix A (also GM/T 0004-2012): examples 1 and 2.
#[test]
fn sm3_gbt_32905_examples() {
    assert_eq!(
        hash(Scheme::Sm2, b"abc"),
        Hash(unhex(
            "66c7f0f4 62eeedd9 d1f2d46b dc10e4e2 4167c487 5cf2f7a2 297da02b 8f4ba8e0"
        ))
    );
    assert_eq!(
        hash(Scheme::Sm2, "abcd".repeat(16).as_bytes()),
        Hash(unhex(
            "debe9ff9 2275b8a1 38604889 c18e5a4d 6fdb70e5 387e5765 293dcba3 9c0c5732"
        ))
    );
}

// The signature example on the recommended curve of GM/T 0003.5-2012 Annex A and
// GB/T 32918.5-2017 Annex A (the curve of GB/T 32918.5; the examples of GB/T 32918.2 itself use
// a test curve). The values are those of OpenSSL's test/sm2_internal_test.c (`sm2_sig_test`,
// "From Annex A in both GM/T0003.5-2012 and GB/T 32918.5-2016"), where OpenSSL signs with the
// standard's nonce k = 59276E27 D506861A 16680F3A D9C02DCC EF3CC1FA 3CDBE4CE 6D54B80D EAC1BC21
// and gets this (r, s); Z_A and e are the standard's intermediate values, as quoted by many
// independent implementations' tests (e.g. GmSSL-derived and BouncyCastle-based ones).
const SM2_D: &str = "3945208F 7B2144B1 3F36E38A C6D39F95 88939369 2860B51A 42FB81EF 4DF7C5B8";
const SM2_XA: &str = "09F9DF31 1E5421A1 50DD7D16 1E4BC5C6 72179FAD 1833FC07 6BB08FF3 56F35020";
const SM2_YA: &str = "CCEA490C E26775A5 2DC6EA71 8CC1AA60 0AED05FB F35E084A 6632F607 2DA9AD13";
const SM2_MSG: &[u8] = b"message digest";
const SM2_ZA: &str = "B2E14C5C 79C6DF5B 85F4FE7E D8DB7A26 2B9DA7E0 7CCB0EA9 F4747B8C CDA8A4F3";
const SM2_E: &str = "F0B43E94 BA45ACCA ACE692ED 534382EB 17E6AB5A 19CE7B31 F4486FDF C0D28640";
const SM2_R: &str = "F5A03B06 48D2C463 0EEAC513 E1BB81A1 5944DA38 27D5B741 43AC7EAC EEE720B3";
const SM2_S: &str = "B1B6AA29 DF212FD8 763182BC 0D421CA1 BB9038FD 1F7F42D4 840B69C4 85BBC1AA";

/// The recommended curve's parameters, GB/T 32918.5-2017 §3 (GM/T 0003.5-2012).
const SM2_A: &str = "FFFFFFFE FFFFFFFF FFFFFFFF FFFFFFFF FFFFFFFF 00000000 FFFFFFFF FFFFFFFC";
const SM2_B: &str = "28E9FA9E 9D9F5E34 4D5A9E4B CF6509A7 F39789F5 15AB8F92 DDBCBD41 4D940E93";
const SM2_GX: &str = "32C4AE2C 1F198119 5F990446 6A39C994 8FE30BBF F2660BE1 715A4589 334C74C7";
const SM2_GY: &str = "BC3736A2 F4F6779C 59BDCEE3 6B692153 D0A9877C C62A4740 02DF32E5 2139F0A0";

fn sm2_signature() -> [u8; 64] {
    unhex(&format!("{SM2_R}{SM2_S}"))
}

/// The standard's public key, compressed: y ends in 0x13, so it is odd and the prefix is 0x03.
fn sm2_public_key() -> PublicKey {
    PublicKey::Sm2(unhex(&format!("03{SM2_XA}")))
}

#[test]
fn sm2_standard_key_pair() {
    let key = SecretKey::from_bytes(Scheme::Sm2, &unhex::<32>(SM2_D)).unwrap();
    assert_eq!(key.public_key(), sm2_public_key());
}

#[test]
fn sm2_standard_signature_verifies() {
    assert_eq!(SM2_DISTID, "1234567812345678");
    let sig = Signature::Sm2(sm2_signature());
    assert_eq!(verify(&sm2_public_key(), SM2_MSG, &sig), Ok(()));
    assert_eq!(
        verify(&sm2_public_key(), b"message digesT", &sig),
        Err(CryptoError::BadSignature)
    );
    let mut other = sm2_signature();
    other[63] ^= 1;
    assert_eq!(
        verify(&sm2_public_key(), SM2_MSG, &Signature::Sm2(other)),
        Err(CryptoError::BadSignature)
    );
}

/// The same check straight through the `sm2` crate, with the uncompressed key of the standard
/// and its user id, and against the standard's digest `e` (which checks that the crate hashes
/// `Z_A ‖ M` as GB/T 32918.2 §6.1 says); another user id must fail.
#[test]
fn sm2_standard_signature_through_the_sm2_crate() {
    use sm2::dsa::signature::Verifier;
    use sm2::dsa::signature::hazmat::PrehashVerifier;
    let uncompressed: [u8; 65] = unhex(&format!("04{SM2_XA}{SM2_YA}"));
    let sig = sm2::dsa::Signature::from_bytes(&sm2_signature()).unwrap();
    let vk = sm2::dsa::VerifyingKey::from_sec1_bytes("1234567812345678", &uncompressed).unwrap();
    assert!(vk.verify(SM2_MSG, &sig).is_ok());
    assert!(vk.verify_prehash(&unhex::<32>(SM2_E), &sig).is_ok());
    let alice =
        sm2::dsa::VerifyingKey::from_sec1_bytes("ALICE123@YAHOO.COM", &uncompressed).unwrap();
    assert!(alice.verify(SM2_MSG, &sig).is_err());
}

/// Z_A = SM3(ENTL_A ‖ ID_A ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A) and e = SM3(Z_A ‖ M), GB/T 32918.2
/// §5.5 and §6.1, recomputed with the chain hash and compared with the standard's values.
#[test]
fn sm2_standard_user_hash_and_digest() {
    let id = SM2_DISTID.as_bytes();
    let entl = u16::try_from(id.len() * 8).unwrap().to_be_bytes();
    let [a, b, gx, gy, xa, ya] = [SM2_A, SM2_B, SM2_GX, SM2_GY, SM2_XA, SM2_YA].map(unhex::<32>);
    let za = hash_parts(Scheme::Sm2, &[&entl, id, &a, &b, &gx, &gy, &xa, &ya]);
    assert_eq!(za, Hash(unhex(SM2_ZA)));
    assert_eq!(
        hash_parts(Scheme::Sm2, &[&za.0, SM2_MSG]),
        Hash(unhex(SM2_E))
    );
}

/// Ed25519 signatures verify whatever the chain's hash, and SM2 ones with any message.
#[test]
fn signing_round_trips() {
    for scheme in [Scheme::Ed25519, Scheme::Sm2] {
        let key = SecretKey::generate(scheme);
        for msg in [&b""[..], b"x", &[0xa5; 1000]] {
            assert_eq!(verify(&key.public_key(), msg, &key.sign(msg)), Ok(()));
        }
    }
}
