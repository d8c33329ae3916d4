//! The HGSMI buffer checksum and a pure encoder for whole HGSMI buffers.
//!
//! The checksum is Bob Jenkins' one-at-a-time hash (mod 2^32, seed 0) over the
//! buffer's VRAM offset (4 bytes, little-endian), its 16 header bytes and the first
//! 4 tail bytes (`u32Reserved`), as the host verifies it (spec §7.4).

use super::wire::{BufferHeader, BufferTail, BUFFER_OVERHEAD};
use zerocopy::IntoBytes;

/// Incremental one-at-a-time hash.
#[derive(Clone, Copy, Debug, Default)]
pub struct OneAtATime {
    hash: u32,
}

impl OneAtATime {
    /// A hash with the seed 0.
    pub const fn new() -> Self {
        Self { hash: 0 }
    }

    /// Feeds `bytes`.
    pub fn update(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.hash = self.hash.wrapping_add(u32::from(byte));
            self.hash = self.hash.wrapping_add(self.hash << 10);
            self.hash ^= self.hash >> 6;
        }
    }

    /// The final avalanche.
    pub fn finish(self) -> u32 {
        let mut hash = self.hash;
        hash = hash.wrapping_add(hash << 3);
        hash ^= hash >> 11;
        hash.wrapping_add(hash << 15)
    }
}

/// The checksum of a buffer with `header` and `tail` at VRAM offset `offset`
/// (`tail.u32Checksum` is not part of it).
pub fn buffer_checksum(offset: u32, header: &BufferHeader, tail: &BufferTail) -> u32 {
    let mut hash = OneAtATime::new();
    hash.update(&offset.to_le_bytes());
    hash.update(header.as_bytes());
    hash.update(&tail.as_bytes()[..4]);
    hash.finish()
}

/// Why a buffer could not be encoded.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum EncodeError {
    /// `out` holds fewer bytes than header + data + tail (the size needed).
    TooSmall(usize),
    /// The data is larger than a `u32` can describe.
    DataTooLarge(usize),
}

/// Writes a complete single HGSMI buffer (header, `data`, tail with checksum) for VRAM
/// offset `offset` into `out`, returning the bytes written.
pub fn encode_buffer(
    out: &mut [u8],
    offset: u32,
    channel: u8,
    channel_info: u16,
    data: &[u8],
) -> Result<usize, EncodeError> {
    let data_size = u32::try_from(data.len()).map_err(|_| EncodeError::DataTooLarge(data.len()))?;
    let total = data.len() + BUFFER_OVERHEAD;
    if out.len() < total {
        return Err(EncodeError::TooSmall(total));
    }
    let header = BufferHeader::single(channel, channel_info, data_size);
    let mut tail = BufferTail {
        u32Reserved: 0,
        u32Checksum: 0,
    };
    tail.u32Checksum = buffer_checksum(offset, &header, &tail);
    let header_len = core::mem::size_of::<BufferHeader>();
    out[..header_len].copy_from_slice(header.as_bytes());
    out[header_len..header_len + data.len()].copy_from_slice(data);
    out[header_len + data.len()..total].copy_from_slice(tail.as_bytes());
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drivers::vga::hgsmi::wire::{
        HGSMI_CC_HOST_FLAGS_LOCATION, HGSMI_CH_HGSMI, HGSMI_CH_VBVA,
    };
    use crate::drivers::vga::vbva::wire::VBVA_QUERY_CONF32;

    const ZERO_TAIL: BufferTail = BufferTail {
        u32Reserved: 0,
        u32Checksum: 0,
    };

    #[test]
    fn spec_vector_query_conf32() {
        // Spec §7.4: offset 0x00FF0000, dataSize 8, channel 2, info 1 → 0x8228766E.
        let header = BufferHeader::single(HGSMI_CH_VBVA, VBVA_QUERY_CONF32, 8);
        assert_eq!(
            buffer_checksum(0x00FF_0000, &header, &ZERO_TAIL),
            0x8228_766E
        );
    }

    #[test]
    fn spec_vector_host_flags_location() {
        // Spec §7.4: same buffer on channel 1, info 0 → 0x32D52E83.
        let header = BufferHeader::single(HGSMI_CH_HGSMI, HGSMI_CC_HOST_FLAGS_LOCATION, 8);
        assert_eq!(
            buffer_checksum(0x00FF_0000, &header, &ZERO_TAIL),
            0x32D5_2E83
        );
    }

    #[test]
    fn spec_vector_all_zero() {
        let header = BufferHeader::single(0, 0, 0);
        assert_eq!(buffer_checksum(0, &header, &ZERO_TAIL), 0);
    }

    #[test]
    fn one_at_a_time_single_byte_by_hand() {
        // "a" (0x61), step by step from the definition in 64-bit arithmetic,
        // independently of `update`/`finish`.
        let mut h: u64 = 0x61;
        h = (h + (h << 10)) & 0xFFFF_FFFF;
        h ^= h >> 6;
        h = (h + (h << 3)) & 0xFFFF_FFFF;
        h ^= h >> 11;
        h = (h + (h << 15)) & 0xFFFF_FFFF;
        let mut hash = OneAtATime::new();
        hash.update(b"a");
        assert_eq!(u64::from(hash.finish()), h);
        // The published value for "a" (Jenkins, one-at-a-time).
        assert_eq!(hash.finish(), 0xCA2E_9442);
    }

    #[test]
    fn the_tail_checksum_field_is_not_hashed() {
        let header = BufferHeader::single(HGSMI_CH_VBVA, 5, 4);
        let other = BufferTail {
            u32Reserved: 0,
            u32Checksum: 0xDEAD_BEEF,
        };
        assert_eq!(
            buffer_checksum(64, &header, &ZERO_TAIL),
            buffer_checksum(64, &header, &other)
        );
        let reserved = BufferTail {
            u32Reserved: 1,
            u32Checksum: 0,
        };
        assert_ne!(
            buffer_checksum(64, &header, &ZERO_TAIL),
            buffer_checksum(64, &header, &reserved)
        );
    }

    #[test]
    fn encode_is_byte_exact() {
        let mut out = [0xAAu8; 40];
        let data = [1u8, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF];
        let written = encode_buffer(
            &mut out,
            0x00FF_0000,
            HGSMI_CH_VBVA,
            VBVA_QUERY_CONF32,
            &data,
        )
        .unwrap();
        assert_eq!(written, 32);
        let expected: [u8; 32] = [
            8, 0, 0, 0, // u32DataSize
            0, 2, 1, 0, // flags, channel, channel info
            0, 0, 0, 0, 0, 0, 0, 0, // union
            1, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, // data
            0, 0, 0, 0, // u32Reserved
            0x6E, 0x76, 0x28, 0x82, // checksum 0x8228766E (spec vector)
        ];
        assert_eq!(out[..32], expected);
        assert_eq!(out[32..], [0xAA; 8], "nothing written past the buffer");
    }

    #[test]
    fn encode_rejects_a_short_output() {
        let mut out = [0u8; 31];
        assert_eq!(
            encode_buffer(&mut out, 0, HGSMI_CH_VBVA, 1, &[0; 8]),
            Err(EncodeError::TooSmall(32))
        );
    }
}
