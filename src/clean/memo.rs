//! A small cache of cell text → what it says, per column or question: the same few
//! texts fill a column of a million rows, so each is read once per chunk. Short texts
//! (option names) are compared inline, without a call to `memcmp` per look-up.

use std::hash::Hasher;

/// At most this many distinct texts are remembered (a column of open answers would
/// otherwise keep every answer).
pub(super) const MEMO_CAP: usize = 4096;

pub(super) struct TextMemo<V> {
    table: hashbrown::HashTable<(Box<str>, V)>,
}

impl<V> Default for TextMemo<V> {
    fn default() -> Self {
        TextMemo { table: hashbrown::HashTable::with_capacity(32) }
    }
}

impl<V: Clone> TextMemo<V> {
    #[inline]
    pub(super) fn get(&self, s: &str) -> Option<&V> {
        self.table.find(hash(s), |(k, _)| same(k.as_bytes(), s.as_bytes())).map(|(_, v)| v)
    }

    /// Remembers what `s` says, unless the cache is full.
    pub(super) fn insert(&mut self, s: &str, v: V) {
        let _ = self.keep(s, v);
    }

    /// Remembers what `s` says and lends it back; `Err(v)` when the cache is full.
    pub(super) fn keep(&mut self, s: &str, v: V) -> Result<&V, V> {
        if self.table.len() >= MEMO_CAP {
            return Err(v);
        }
        Ok(&self.table.insert_unique(hash(s), (s.into(), v), |(k, _)| hash(k)).into_mut().1)
    }
}

/// Caches of one question handed from one file or chunk to the next: what a text says
/// depends on the question's options and the text alone, and a unit's file of a few
/// hundred rows would otherwise see most texts once.
pub(super) struct Pool<V>(std::sync::Mutex<Vec<TextMemo<V>>>);

impl<V> Default for Pool<V> {
    fn default() -> Self {
        Pool(Default::default())
    }
}

impl<V> Pool<V> {
    /// A cache handed back earlier, else a new one.
    pub(super) fn take(&self) -> TextMemo<V> {
        self.0.lock().ok().and_then(|mut v| v.pop()).unwrap_or_default()
    }

    /// Hands a cache back for the next file or chunk.
    pub(super) fn give(&self, m: TextMemo<V>) {
        if let Ok(mut v) = self.0.lock() {
            v.push(m);
        }
    }
}

#[inline]
fn hash(s: &str) -> u64 {
    let mut h = rustc_hash::FxHasher::default();
    h.write(s.as_bytes());
    h.finish()
}

/// Byte equality; texts of up to 32 bytes are compared as overlapping words.
#[inline]
fn same(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word = |x: &[u8], at: usize| u64::from_le_bytes(x[at..at + 8].try_into().expect("8 bytes"));
    let half = |x: &[u8], at: usize| u32::from_le_bytes(x[at..at + 4].try_into().expect("4 bytes"));
    match n {
        8..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        // Most option texts in Chinese (`第10题选项8`: 17 bytes) fall here.
        17..=32 => {
            word(a, 0) == word(b, 0) && word(a, 8) == word(b, 8) && word(a, n - 16) == word(b, n - 16) && word(a, n - 8) == word(b, n - 8)
        }
        4..=7 => half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4),
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_exactly_the_texts_remembered() {
        let mut m = TextMemo::default();
        let texts = [
            "",
            "a",
            "abc",
            "abcd",
            "第1题选项1",
            "第1题选项2",
            "第10题选项2",
            "第21题选项12",
            "非常满意",
            "一二三四五六七八九十",
            "x".repeat(40).leak(),
        ];
        for (i, t) in texts.iter().enumerate() {
            m.insert(t, i);
        }
        for (i, t) in texts.iter().enumerate() {
            assert_eq!(m.get(t), Some(&i), "{t}");
        }
        // Same length, one byte apart, at the start, in the middle and at the end.
        for t in [
            "b",
            "abd",
            "bbcd",
            "第1题选项3",
            "第2题选项1",
            "非常不满",
            "一二三四五六七八九千",
            "一二三四伍六七八九十",
            "一二三四五六七捌九十",
            "第10题选项1",
            "第21题选项13",
            "第31题选项12",
            "第21题选项22",
            &"x".repeat(39),
            &"x".repeat(41),
        ] {
            assert_eq!(m.get(t), None, "{t}");
        }
        let mut words = "x".repeat(39);
        words.push('y');
        assert_eq!(m.get(&words), None);
    }

    /// A cache handed back to its pool is the next one taken, with what it learned.
    #[test]
    fn a_pool_hands_back_what_was_learned() {
        let pool: Pool<usize> = Pool::default();
        let mut m = pool.take();
        assert_eq!(m.get("第1题选项1"), None);
        m.insert("第1题选项1", 0);
        pool.give(m);
        assert_eq!(pool.take().get("第1题选项1"), Some(&0));
        assert_eq!(pool.take().get("第1题选项1"), None, "the pool is empty again: a new cache");
    }

    #[test]
    fn stops_remembering_when_full() {
        let mut m = TextMemo::default();
        for i in 0..MEMO_CAP + 10 {
            m.insert(&i.to_string(), i);
        }
        assert_eq!(m.get("0"), Some(&0));
        assert_eq!(m.get(&(MEMO_CAP - 1).to_string()), Some(&(MEMO_CAP - 1)));
        assert_eq!(m.get(&MEMO_CAP.to_string()), None);
    }
}
