package dev.cacheback.memcached;

import net.rubyeye.xmemcached.transcoders.CachedData;
import net.rubyeye.xmemcached.transcoders.CompressionMode;
import net.rubyeye.xmemcached.transcoders.Transcoder;

/**
 * Stores {@code byte[]} as they are, with flags 0, and reads any stored item back as its raw bytes
 * whatever its flags. No compression, no Java serialization (xmemcached's default
 * {@code SerializingTranscoder} would deserialize objects named in the stored bytes): the entry's
 * own header, checked by the job's codec, tells Cacheback's entries from anything else.
 */
final class BytesTranscoder implements Transcoder<byte[]> {

    static final BytesTranscoder INSTANCE = new BytesTranscoder();

    private BytesTranscoder() {
    }

    @Override
    public CachedData encode(byte[] bytes) {
        // capacity = the value's own length: the size limit is the backend's (itemSizeLimit), not
        // xmemcached's fixed 1 MB check in CachedData(int, byte[])
        return new CachedData(0, bytes, bytes.length, -1);
    }

    @Override
    public byte[] decode(CachedData data) {
        return data.getData();
    }

    @Override
    public void setPrimitiveAsString(boolean primitiveAsString) {
    }

    @Override
    public void setPackZeros(boolean packZeros) {
    }

    @Override
    public void setCompressionThreshold(int threshold) {
    }

    @Override
    public boolean isPrimitiveAsString() {
        return false;
    }

    @Override
    public boolean isPackZeros() {
        return false;
    }

    @Override
    public void setCompressionMode(CompressionMode mode) {
    }
}
