//! Buffers whose last byte sits right before an inaccessible page, so a parser that
//! reads past the data it was given faults at once (AFL++ sees a crash) instead of
//! reading the allocator's neighbouring memory unnoticed.

use std::ptr::NonNull;

const PAGE: usize = 4096;

/// `len` bytes (8-byte aligned start) followed by a `PROT_NONE` page.
pub struct GuardedBuffer {
    mapping: NonNull<u8>,
    mapping_len: usize,
    data: NonNull<u8>,
    len: usize,
}

impl GuardedBuffer {
    /// A zeroed buffer of `len` bytes, rounded up to a multiple of 8 so the start is
    /// 8-byte aligned (up to 7 bytes of slack before the guard page).
    pub fn zeroed(len: usize) -> Self {
        let len = len.div_ceil(8) * 8;
        let data_pages = len.div_ceil(PAGE).max(1);
        let mapping_len = (data_pages + 1) * PAGE;
        // SAFETY: an anonymous private mapping with no address hint; checked below.
        let mapping = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                mapping_len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        assert!(
            mapping != libc::MAP_FAILED,
            "mmap of a guarded buffer failed"
        );
        let mapping = mapping as *mut u8;
        // SAFETY: the last page lies inside the mapping just made.
        let guard = unsafe { mapping.add(data_pages * PAGE) };
        // SAFETY: `guard` is page-aligned and one page of the mapping.
        let protected =
            unsafe { libc::mprotect(guard as *mut libc::c_void, PAGE, libc::PROT_NONE) };
        assert_eq!(protected, 0, "mprotect of the guard page failed");
        // SAFETY: `len <= data_pages * PAGE`, so the data lies inside the mapping.
        let data = unsafe { guard.sub(len) };
        Self {
            mapping: NonNull::new(mapping).expect("mmap returned null"),
            mapping_len,
            data: NonNull::new(data).expect("inside a mapping"),
            len,
        }
    }

    /// A guarded copy of `bytes` (zero-padded to a multiple of 8).
    pub fn copy_of(bytes: &[u8]) -> Self {
        let mut buffer = Self::zeroed(bytes.len());
        buffer.as_mut_slice()[..bytes.len()].copy_from_slice(bytes);
        buffer
    }

    /// The data's address.
    pub fn as_ptr(&self) -> *mut u8 {
        self.data.as_ptr()
    }

    /// The data's length (a multiple of 8).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the buffer holds no data.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The data.
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: `data..data+len` is readable and writable, owned by `self`.
        unsafe { std::slice::from_raw_parts_mut(self.data.as_ptr(), self.len) }
    }

    /// Gives up ownership; [`GuardedBuffer::release`] frees it later.
    pub fn leak(self) -> (*mut u8, usize) {
        let leaked = (self.data.as_ptr(), self.len);
        std::mem::forget(self);
        leaked
    }

    /// Frees a buffer given up with [`GuardedBuffer::leak`].
    ///
    /// # Safety
    /// `(data, len)` must come from `leak` and not have been released before.
    pub unsafe fn release(data: *mut u8, len: usize) {
        let data_pages = len.div_ceil(PAGE).max(1);
        // SAFETY: recomputes the mapping `zeroed` made for this `len` (caller's contract).
        let mapping = unsafe { data.add(len).sub(data_pages * PAGE) };
        // SAFETY: the whole mapping, made by `zeroed` and not yet unmapped.
        unsafe { libc::munmap(mapping as *mut libc::c_void, (data_pages + 1) * PAGE) };
    }
}

impl Drop for GuardedBuffer {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `zeroed`, unmapped once here.
        unsafe { libc::munmap(self.mapping.as_ptr() as *mut libc::c_void, self.mapping_len) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_ends_at_the_guard_page_and_is_aligned() {
        let mut buffer = GuardedBuffer::copy_of(&[1, 2, 3]);
        assert_eq!(buffer.len(), 8);
        assert_eq!(buffer.as_ptr() as usize % 8, 0);
        assert_eq!((buffer.as_ptr() as usize + buffer.len()) % PAGE, 0);
        assert_eq!(&buffer.as_mut_slice()[..4], &[1, 2, 3, 0]);
        let (data, len) = buffer.leak();
        // SAFETY: from `leak` just above.
        unsafe { GuardedBuffer::release(data, len) };
    }
}
