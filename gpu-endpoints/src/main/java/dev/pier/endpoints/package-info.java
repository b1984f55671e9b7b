/** gpu-endpoints: not built yet; see the issues. */
package dev.pier.endpoints;
