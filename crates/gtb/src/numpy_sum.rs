//! numpy's summation order for `np.sum` of a contiguous float64 array (pairwise, with eight
//! accumulators per block), so that sums agree with the reference to the last bit.

/// `np.sum(values)`.
pub fn pairwise_sum(values: &[f64]) -> f64 {
    let n = values.len();
    if n < 8 {
        let mut sum = 0.0;
        for v in values {
            sum += v;
        }
        sum
    } else if n <= 128 {
        let mut r = [0.0; 8];
        r.copy_from_slice(&values[..8]);
        let blocks = n - n % 8;
        for i in (8..blocks).step_by(8) {
            for (k, acc) in r.iter_mut().enumerate() {
                *acc += values[i + k];
            }
        }
        let mut sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for v in &values[blocks..] {
            sum += v;
        }
        sum
    } else {
        let mut half = n / 2;
        half -= half % 8;
        pairwise_sum(&values[..half]) + pairwise_sum(&values[half..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixteen_terms_pair_k_with_k_plus_8() {
        let v: Vec<f64> = (0..16).map(|i| 0.1 * i as f64 + 1e-17 * i as f64).collect();
        let r: Vec<f64> = (0..8).map(|k| v[k] + v[k + 8]).collect();
        let expected = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        assert_eq!(pairwise_sum(&v).to_bits(), expected.to_bits());
        assert_eq!(pairwise_sum(&[1.0, 2.0, 3.0]), 6.0);
        let long: Vec<f64> = (0..1000).map(|i| i as f64).collect();
        assert_eq!(pairwise_sum(&long), 499_500.0);
    }
}
