/** feature-tables: not built yet; see the issues. */
package dev.pier.features;
