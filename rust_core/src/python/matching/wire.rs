//! Protobuf wire encoding of `yunli.v1.RecommendResponse` (proto/yunli/v1/matching.proto),
//! so the server's per-request path gets its answer as bytes without building a
//! message field by field in Python.
//!
//! Proto3 rules as the reference encoders apply them: fields in number order, fields
//! at their default (0, 0.0) omitted, `int64`/`int32` as varints (negative values as
//! ten bytes), `double` as 64-bit little-endian, sub-messages length-delimited.

use super::pairs::PairRow;

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn int_field(out: &mut Vec<u8>, field: u32, v: i64) {
    if v != 0 {
        varint(out, u64::from(field << 3));
        varint(out, v as u64);
    }
}

fn double_field(out: &mut Vec<u8>, field: u32, v: f64) {
    // proto3 omits only +0.0 (the default); -0.0 and NaN are written
    if v.to_bits() != 0 {
        varint(out, u64::from((field << 3) | 1));
        out.extend_from_slice(&v.to_le_bytes());
    }
}

fn message_field(out: &mut Vec<u8>, field: u32, body: &[u8]) {
    varint(out, u64::from((field << 3) | 2));
    varint(out, body.len() as u64);
    out.extend_from_slice(body);
}

/// `RecommendResponse{subject_id, recommendations}` from rows in `PAIR_COLUMNS` order.
pub(super) fn recommend_response(subject: i64, rows: &[PairRow]) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + rows.len() * 96);
    int_field(&mut out, 1, subject);
    let (mut rec, mut comp) = (Vec::with_capacity(96), Vec::with_capacity(64));
    for &(load, vehicle, rank, score, e, b, dh, at, u, r, p) in rows {
        comp.clear();
        double_field(&mut comp, 1, e);
        double_field(&mut comp, 2, b);
        int_field(&mut comp, 3, dh);
        int_field(&mut comp, 4, at);
        double_field(&mut comp, 5, u);
        double_field(&mut comp, 6, r);
        double_field(&mut comp, 7, p);
        rec.clear();
        int_field(&mut rec, 1, vehicle);
        int_field(&mut rec, 2, load);
        int_field(&mut rec, 3, i64::from(rank as i32));
        double_field(&mut rec, 4, score);
        message_field(&mut rec, 5, &comp);
        message_field(&mut out, 2, &rec);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_known_bytes() {
        let mut v = Vec::new();
        varint(&mut v, 300);
        assert_eq!(v, [0xac, 0x02]);
        let bytes = recommend_response(1, &[(1, 2, 1, 0.5, 0.0, 0.0, 0, 0, 0.0, 0.0, 0.0)]);
        // subject_id=1; recommendations { vehicle_id=2 load_id=1 rank=1 score=0.5 components{} }
        let mut want = vec![
            0x08, 0x01, 0x12, 17, 0x08, 0x02, 0x10, 0x01, 0x18, 0x01, 0x21,
        ];
        want.extend_from_slice(&0.5f64.to_le_bytes());
        want.extend_from_slice(&[0x2a, 0x00]);
        assert_eq!(bytes, want);
        let neg = recommend_response(-1, &[]);
        assert_eq!(neg.len(), 11, "negative int64: tag + ten-byte varint");
    }
}
