/**
 * Implementation details. Nothing here is API: types are public only so that sibling packages can
 * reach them, and may change in any release.
 */
package dev.cacheback.internal;
