//! Ordered map and set kept as one sorted vector.
//!
//! The crate keeps forty-odd small keyed tables (per session, per agent, per skill file, per
//! source span). `std`'s B-tree is generic node machinery that is instantiated again for every
//! key/value pair of types, and in the wasm build those copies were about a sixth of all code
//! (README G-R3, the 500 KB gzipped plugin budget). A sorted `Vec` gives the same contract the
//! callers rely on (iteration in key order, `get`/`insert`/`remove` by key, the last duplicate
//! wins when collecting or deserialising) in a fraction of the code, and it is faster for the
//! table sizes we hold (tens to a few thousand entries): one binary search over contiguous
//! memory instead of a walk through nodes.
//!
//! Inserting in the middle moves the tail, so a table of n entries built in random order costs
//! O(n²) moves. Input that arrives in key order (our own JSON files, which serialise sorted)
//! takes the append fast path and stays O(n log n).

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::marker::PhantomData;

/// A map ordered by key, stored as a sorted vector of `(key, value)` pairs.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SortedMap<K, V> {
    entries: Vec<(K, V)>,
}

impl<K, V> Default for SortedMap<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K, V> SortedMap<K, V> {
    /// An empty map; does not allocate.
    pub const fn new() -> Self {
        Self {
            entries: Vec::new(),
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the map has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// Entries in key order.
    pub fn iter(&self) -> Iter<'_, K, V> {
        Iter(self.entries.iter())
    }

    /// Entries in key order, values mutable.
    pub fn iter_mut(&mut self) -> IterMut<'_, K, V> {
        IterMut(self.entries.iter_mut())
    }

    /// Keys in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &K> + ExactSizeIterator + Clone + '_ {
        self.entries.iter().map(|(k, _)| k)
    }

    /// Values in key order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator + Clone + '_ {
        self.entries.iter().map(|(_, v)| v)
    }

    /// Values in key order, mutable.
    pub fn values_mut(
        &mut self,
    ) -> impl DoubleEndedIterator<Item = &mut V> + ExactSizeIterator + '_ {
        self.entries.iter_mut().map(|(_, v)| v)
    }

    /// Owned keys in order.
    pub fn into_keys(self) -> impl DoubleEndedIterator<Item = K> + ExactSizeIterator {
        self.entries.into_iter().map(|(k, _)| k)
    }

    /// Owned values in key order.
    pub fn into_values(self) -> impl DoubleEndedIterator<Item = V> + ExactSizeIterator {
        self.entries.into_iter().map(|(_, v)| v)
    }

    /// The entry with the smallest key.
    pub fn first_key_value(&self) -> Option<(&K, &V)> {
        self.entries.first().map(|(k, v)| (k, v))
    }

    /// The entry with the largest key.
    pub fn last_key_value(&self) -> Option<(&K, &V)> {
        self.entries.last().map(|(k, v)| (k, v))
    }

    /// Removes and returns the entry with the smallest key.
    pub fn pop_first(&mut self) -> Option<(K, V)> {
        if self.entries.is_empty() {
            None
        } else {
            Some(self.entries.remove(0))
        }
    }

    /// Removes and returns the entry with the largest key.
    pub fn pop_last(&mut self) -> Option<(K, V)> {
        self.entries.pop()
    }

    /// Keeps only the entries for which `keep` returns true, in order.
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.entries.retain_mut(|(k, v)| keep(k, v));
    }
}

impl<K: Ord, V> SortedMap<K, V> {
    /// `Ok(index)` of the key, or `Err(index)` where it would be inserted.
    fn find<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        self.entries.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    /// The value for `key`.
    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        let i = self.find(key).ok()?;
        self.entries.get(i).map(|(_, v)| v)
    }

    /// The stored key and value for `key`.
    pub fn get_key_value<Q: Ord + ?Sized>(&self, key: &Q) -> Option<(&K, &V)>
    where
        K: Borrow<Q>,
    {
        let i = self.find(key).ok()?;
        self.entries.get(i).map(|(k, v)| (k, v))
    }

    /// The value for `key`, mutable.
    pub fn get_mut<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        let i = self.find(key).ok()?;
        self.entries.get_mut(i).map(|(_, v)| v)
    }

    /// True when `key` is present.
    pub fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.find(key).is_ok()
    }

    /// Inserts or replaces; returns the previous value. A replaced entry keeps its stored
    /// key, as `BTreeMap` does.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        // Appending in key order is the common case (sorted JSON, monotonic ids).
        if self.entries.last().is_none_or(|(last, _)| *last < key) {
            self.entries.push((key, value));
            return None;
        }
        match self.find(&key) {
            Ok(i) => self
                .entries
                .get_mut(i)
                .map(|slot| std::mem::replace(&mut slot.1, value)),
            Err(i) => {
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    /// Removes `key`; returns its value.
    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        self.remove_entry(key).map(|(_, v)| v)
    }

    /// Removes `key`; returns the stored key and its value.
    pub fn remove_entry<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<(K, V)>
    where
        K: Borrow<Q>,
    {
        let i = self.find(key).ok()?;
        Some(self.entries.remove(i))
    }

    /// The slot for `key`, occupied or not.
    pub fn entry(&mut self, key: K) -> Entry<'_, K, V> {
        let slot = self.find(&key);
        Entry {
            entries: &mut self.entries,
            key,
            slot,
        }
    }
}

/// `map[key]` for tests only: production code looks keys up with [`SortedMap::get`], which
/// cannot panic.
#[cfg(test)]
impl<K: Ord + Borrow<Q>, Q: Ord + ?Sized, V> std::ops::Index<&Q> for SortedMap<K, V> {
    type Output = V;
    fn index(&self, key: &Q) -> &V {
        self.get(key).expect("key not in map")
    }
}

/// A slot in a [`SortedMap`], found by [`SortedMap::entry`].
pub struct Entry<'a, K, V> {
    entries: &'a mut Vec<(K, V)>,
    key: K,
    slot: Result<usize, usize>,
}

impl<'a, K, V> Entry<'a, K, V> {
    /// The key this slot was looked up with.
    pub fn key(&self) -> &K {
        &self.key
    }

    /// Runs `f` on the value when the slot is occupied.
    pub fn and_modify(self, f: impl FnOnce(&mut V)) -> Self {
        if let Ok(i) = self.slot {
            if let Some((_, v)) = self.entries.get_mut(i) {
                f(v);
            }
        }
        self
    }

    /// The value, inserting `value` first when the slot is empty.
    pub fn or_insert(self, value: V) -> &'a mut V {
        self.or_insert_with(|| value)
    }

    /// The value, inserting `make()` first when the slot is empty.
    pub fn or_insert_with(self, make: impl FnOnce() -> V) -> &'a mut V {
        let i = match self.slot {
            Ok(i) => i,
            Err(i) => {
                self.entries.insert(i, (self.key, make()));
                i
            }
        };
        // `i` indexes an entry that was found or was just inserted, so the lookup cannot
        // miss; the diverging arm only exists to keep the indexing checked.
        match self.entries.get_mut(i) {
            Some((_, v)) => v,
            None => unreachable_slot(),
        }
    }

    /// The value, inserting `V::default()` first when the slot is empty.
    pub fn or_default(self) -> &'a mut V
    where
        V: Default,
    {
        self.or_insert_with(V::default)
    }
}

/// Never called: see [`Entry::or_insert_with`].
#[cold]
#[allow(clippy::panic)]
fn unreachable_slot() -> ! {
    panic!("sorted map: the slot of a found or inserted entry is missing")
}

/// Iterator over `(&K, &V)` in key order.
#[derive(Clone)]
pub struct Iter<'a, K, V>(std::slice::Iter<'a, (K, V)>);

impl<'a, K, V> Iterator for Iter<'a, K, V> {
    type Item = (&'a K, &'a V);
    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (k, v))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl<K, V> DoubleEndedIterator for Iter<'_, K, V> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(|(k, v)| (k, v))
    }
}

impl<K, V> ExactSizeIterator for Iter<'_, K, V> {}

/// Iterator over `(&K, &mut V)` in key order.
pub struct IterMut<'a, K, V>(std::slice::IterMut<'a, (K, V)>);

impl<'a, K, V> Iterator for IterMut<'a, K, V> {
    type Item = (&'a K, &'a mut V);
    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (&*k, v))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl<K, V> DoubleEndedIterator for IterMut<'_, K, V> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(|(k, v)| (&*k, v))
    }
}

impl<K, V> ExactSizeIterator for IterMut<'_, K, V> {}

impl<'a, K, V> IntoIterator for &'a SortedMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = Iter<'a, K, V>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'a, K, V> IntoIterator for &'a mut SortedMap<K, V> {
    type Item = (&'a K, &'a mut V);
    type IntoIter = IterMut<'a, K, V>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter_mut()
    }
}

impl<K, V> IntoIterator for SortedMap<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<K: Ord, V> Extend<(K, V)> for SortedMap<K, V> {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<K: Ord, V> FromIterator<(K, V)> for SortedMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut m = Self::new();
        m.extend(iter);
        m
    }
}

impl<K: Ord, V, const N: usize> From<[(K, V); N]> for SortedMap<K, V> {
    fn from(items: [(K, V); N]) -> Self {
        items.into_iter().collect()
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for SortedMap<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K: Serialize, V: Serialize> Serialize for SortedMap<K, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.len()))?;
        for (k, v) in self {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl<'de, K: Deserialize<'de> + Ord, V: Deserialize<'de>> Deserialize<'de> for SortedMap<K, V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct MapVisitor<K, V>(PhantomData<(K, V)>);
        impl<'de, K: Deserialize<'de> + Ord, V: Deserialize<'de>> Visitor<'de> for MapVisitor<K, V> {
            type Value = SortedMap<K, V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let mut m = SortedMap::new();
                while let Some((k, v)) = access.next_entry()? {
                    m.insert(k, v);
                }
                Ok(m)
            }
        }
        d.deserialize_map(MapVisitor(PhantomData))
    }
}

impl<K: schemars::JsonSchema, V: schemars::JsonSchema> schemars::JsonSchema for SortedMap<K, V> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        <std::collections::BTreeMap<K, V> as schemars::JsonSchema>::schema_name()
    }
    fn inline_schema() -> bool {
        <std::collections::BTreeMap<K, V> as schemars::JsonSchema>::inline_schema()
    }
    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        <std::collections::BTreeMap<K, V> as schemars::JsonSchema>::json_schema(g)
    }
}

/// A set ordered by value, stored as a sorted vector.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SortedSet<T> {
    items: Vec<T>,
}

impl<T> Default for SortedSet<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> SortedSet<T> {
    /// An empty set; does not allocate.
    pub const fn new() -> Self {
        Self { items: Vec::new() }
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when the set has no items.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Removes every item.
    pub fn clear(&mut self) {
        self.items.clear();
    }

    /// Items in order.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.items.iter()
    }

    /// The smallest item.
    pub fn first(&self) -> Option<&T> {
        self.items.first()
    }

    /// The largest item.
    pub fn last(&self) -> Option<&T> {
        self.items.last()
    }

    /// Keeps only the items for which `keep` returns true.
    pub fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        self.items.retain(|t| keep(t));
    }
}

impl<T: Ord> SortedSet<T> {
    fn find<Q: Ord + ?Sized>(&self, value: &Q) -> Result<usize, usize>
    where
        T: Borrow<Q>,
    {
        self.items.binary_search_by(|t| t.borrow().cmp(value))
    }

    /// True when `value` is in the set.
    pub fn contains<Q: Ord + ?Sized>(&self, value: &Q) -> bool
    where
        T: Borrow<Q>,
    {
        self.find(value).is_ok()
    }

    /// The stored item equal to `value`.
    pub fn get<Q: Ord + ?Sized>(&self, value: &Q) -> Option<&T>
    where
        T: Borrow<Q>,
    {
        let i = self.find(value).ok()?;
        self.items.get(i)
    }

    /// Adds `value`; false when an equal item was already present (that item is kept).
    pub fn insert(&mut self, value: T) -> bool {
        if self.items.last().is_none_or(|last| *last < value) {
            self.items.push(value);
            return true;
        }
        match self.find(&value) {
            Ok(_) => false,
            Err(i) => {
                self.items.insert(i, value);
                true
            }
        }
    }

    /// Removes `value`; true when it was present.
    pub fn remove<Q: Ord + ?Sized>(&mut self, value: &Q) -> bool
    where
        T: Borrow<Q>,
    {
        match self.find(value) {
            Ok(i) => {
                self.items.remove(i);
                true
            }
            Err(_) => false,
        }
    }

    /// Items in both sets, in order.
    pub fn intersection<'a>(&'a self, other: &'a SortedSet<T>) -> impl Iterator<Item = &'a T> + 'a {
        self.items.iter().filter(move |t| other.contains(*t))
    }

    /// Items of `self` not in `other`, in order.
    pub fn difference<'a>(&'a self, other: &'a SortedSet<T>) -> impl Iterator<Item = &'a T> + 'a {
        self.items.iter().filter(move |t| !other.contains(*t))
    }

    /// True when every item of `self` is in `other`.
    pub fn is_subset(&self, other: &SortedSet<T>) -> bool {
        self.items.iter().all(|t| other.contains(t))
    }
}

impl<'a, T> IntoIterator for &'a SortedSet<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

impl<T> IntoIterator for SortedSet<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl<T: Ord> Extend<T> for SortedSet<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        for t in iter {
            self.insert(t);
        }
    }
}

impl<T: Ord> FromIterator<T> for SortedSet<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut s = Self::new();
        s.extend(iter);
        s
    }
}

impl<T: Ord, const N: usize> From<[T; N]> for SortedSet<T> {
    fn from(items: [T; N]) -> Self {
        items.into_iter().collect()
    }
}

impl<T: fmt::Debug> fmt::Debug for SortedSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl<T: Serialize> Serialize for SortedSet<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut q = s.serialize_seq(Some(self.len()))?;
        for t in self {
            q.serialize_element(t)?;
        }
        q.end()
    }
}

impl<'de, T: Deserialize<'de> + Ord> Deserialize<'de> for SortedSet<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct SetVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de> + Ord> Visitor<'de> for SetVisitor<T> {
            type Value = SortedSet<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a sequence")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let mut s = SortedSet::new();
                while let Some(t) = access.next_element()? {
                    s.insert(t);
                }
                Ok(s)
            }
        }
        d.deserialize_seq(SetVisitor(PhantomData))
    }
}

impl<T: schemars::JsonSchema> schemars::JsonSchema for SortedSet<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        <std::collections::BTreeSet<T> as schemars::JsonSchema>::schema_name()
    }
    fn inline_schema() -> bool {
        <std::collections::BTreeSet<T> as schemars::JsonSchema>::inline_schema()
    }
    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        <std::collections::BTreeSet<T> as schemars::JsonSchema>::json_schema(g)
    }
}

/// Stable sort of `v` by `cmp`, with one merge sort shared by every element type.
///
/// `slice::sort_by` is a large adaptive sort instantiated per element type and comparator;
/// a dozen of them were about 60 KB of the wasm plugin (README G-R3). The lists we sort are
/// short (findings of one command, files of one directory), so sorting a permutation of
/// indices with a non-generic merge sort and then moving the elements once costs little
/// and is the same stable order.
pub fn sort_by<T>(v: &mut Vec<T>, mut cmp: impl FnMut(&T, &T) -> Ordering) {
    // Already-ordered input (the common case) costs one pass and no allocation.
    if v.windows(2)
        .all(|w| !matches!(w, [a, b] if cmp(a, b) == Ordering::Greater))
    {
        return;
    }
    let order = {
        let items: &[T] = v;
        stable_order(
            items.len(),
            &mut |a, b| match (items.get(a), items.get(b)) {
                (Some(x), Some(y)) => cmp(x, y),
                _ => Ordering::Equal,
            },
        )
    };
    let mut slots: Vec<Option<T>> = v.drain(..).map(Some).collect();
    for i in order {
        if let Some(item) = slots.get_mut(i).and_then(Option::take) {
            v.push(item);
        }
    }
}

/// Stable sort by a key; see [`sort_by`].
pub fn sort_by_key<T, K: Ord>(v: &mut Vec<T>, mut key: impl FnMut(&T) -> K) {
    sort_by(v, |a, b| key(a).cmp(&key(b)));
}

/// Stable sort in the natural order; see [`sort_by`].
pub fn sort<T: Ord>(v: &mut Vec<T>) {
    sort_by(v, T::cmp);
}

/// The indices `0..n` in stable sorted order under `cmp` (bottom-up merge sort).
fn stable_order(n: usize, cmp: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<usize> {
    let mut src: Vec<usize> = (0..n).collect();
    let mut dst: Vec<usize> = vec![0; n];
    let mut width = 1;
    while width < n {
        let mut lo = 0;
        while lo < n {
            let mid = lo.saturating_add(width).min(n);
            let hi = lo.saturating_add(width.saturating_mul(2)).min(n);
            let left = src.get(lo..mid).unwrap_or(&[]);
            let right = src.get(mid..hi).unwrap_or(&[]);
            let out = dst.get_mut(lo..hi).unwrap_or(&mut []);
            let (mut l, mut r) = (left.iter().peekable(), right.iter().peekable());
            for slot in out {
                // Take from the left run unless the right one is strictly smaller: stable.
                let take_right = match (l.peek(), r.peek()) {
                    (Some(&&a), Some(&&b)) => cmp(a, b) == Ordering::Greater,
                    (None, Some(_)) => true,
                    _ => false,
                };
                let next = if take_right { r.next() } else { l.next() };
                if let Some(&i) = next {
                    *slot = i;
                }
            }
            lo = hi;
        }
        std::mem::swap(&mut src, &mut dst);
        width = width.saturating_mul(2);
    }
    src
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    /// A tiny deterministic generator, so the differential below needs no extra crate.
    fn lcg(seed: &mut u64) -> u64 {
        *seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        *seed >> 33
    }

    #[test]
    fn map_matches_btreemap_under_random_operations() {
        let mut seed = 7u64;
        let mut ours: SortedMap<u16, u32> = SortedMap::new();
        let mut std_map: BTreeMap<u16, u32> = BTreeMap::new();
        for step in 0..20_000u32 {
            let k = (lcg(&mut seed) % 300) as u16;
            match lcg(&mut seed) % 6 {
                0 | 1 => assert_eq!(ours.insert(k, step), std_map.insert(k, step)),
                2 => assert_eq!(ours.remove(&k), std_map.remove(&k)),
                3 => {
                    *ours.entry(k).or_insert(0) += 1;
                    *std_map.entry(k).or_insert(0) += 1;
                }
                4 => assert_eq!(ours.get(&k), std_map.get(&k)),
                _ => {
                    ours.retain(|k, v| (*k as u32 + *v) % 7 != 0);
                    std_map.retain(|k, v| (*k as u32 + *v) % 7 != 0);
                }
            }
            assert_eq!(ours.len(), std_map.len());
        }
        assert!(ours.iter().eq(std_map.iter()));
        assert_eq!(ours.first_key_value(), std_map.first_key_value());
        assert_eq!(ours.last_key_value(), std_map.last_key_value());
    }

    #[test]
    fn set_matches_btreeset_under_random_operations() {
        let mut seed = 11u64;
        let mut ours: SortedSet<u16> = SortedSet::new();
        let mut std_set: BTreeSet<u16> = BTreeSet::new();
        for _ in 0..20_000 {
            let v = (lcg(&mut seed) % 500) as u16;
            match lcg(&mut seed) % 3 {
                0 => assert_eq!(ours.insert(v), std_set.insert(v)),
                1 => assert_eq!(ours.remove(&v), std_set.remove(&v)),
                _ => assert_eq!(ours.contains(&v), std_set.contains(&v)),
            }
        }
        assert!(ours.iter().eq(std_set.iter()));
    }

    #[test]
    fn sort_matches_std_stable_sort() {
        let mut seed = 3u64;
        for len in [0usize, 1, 2, 3, 5, 8, 17, 64, 100, 1000] {
            for _ in 0..20 {
                let v: Vec<(u8, u32)> = (0..len as u32)
                    .map(|i| ((lcg(&mut seed) % 7) as u8, i))
                    .collect();
                let mut ours = v.clone();
                sort_by_key(&mut ours, |p| p.0);
                let mut std_sorted = v.clone();
                std_sorted.sort_by_key(|p| p.0);
                assert_eq!(ours, std_sorted, "len {len}");
                let mut desc = v.clone();
                sort_by(&mut desc, |a, b| b.cmp(a));
                let mut std_desc = v;
                std_desc.sort_by(|a, b| b.cmp(a));
                assert_eq!(desc, std_desc);
            }
        }
        let mut words = vec!["b".to_string(), "a".into(), "c".into(), "a".into()];
        sort(&mut words);
        assert_eq!(words, ["a", "a", "b", "c"]);
    }

    #[test]
    fn collecting_keeps_the_last_duplicate_like_btreemap() {
        let pairs = [("b", 1), ("a", 2), ("b", 3), ("c", 4), ("a", 5)];
        let ours: SortedMap<&str, i32> = pairs.iter().copied().collect();
        let std_map: BTreeMap<&str, i32> = pairs.iter().copied().collect();
        assert!(ours.iter().eq(std_map.iter()));
    }

    #[test]
    fn json_round_trip_is_sorted_and_last_duplicate_wins() {
        let m: SortedMap<String, u8> = crate::json::from_str(r#"{"z":1,"a":2,"z":3}"#).unwrap();
        assert_eq!(serde_json::to_string(&m).unwrap(), r#"{"a":2,"z":3}"#);
        let s: SortedSet<String> = crate::json::from_str(r#"["b","a","b"]"#).unwrap();
        assert_eq!(serde_json::to_string(&s).unwrap(), r#"["a","b"]"#);
        assert!(crate::json::from_str::<SortedMap<String, u8>>("[1]").is_err());
    }

    #[test]
    fn borrowed_lookups_and_entry_api() {
        let mut m: SortedMap<String, Vec<u8>> = SortedMap::new();
        m.entry("x".into()).or_default().push(1);
        m.entry("x".into()).or_default().push(2);
        m.entry("a".into())
            .and_modify(|v| v.push(9))
            .or_insert_with(|| vec![7]);
        assert_eq!(m.get("x").map(Vec::as_slice), Some(&[1u8, 2][..]));
        assert_eq!(m.get("a").map(Vec::as_slice), Some(&[7u8][..]));
        assert!(m.contains_key("a") && !m.contains_key("b"));
        assert_eq!(m.pop_first().map(|(k, _)| k), Some("a".to_string()));
    }
}
