/** monitoring-functions: not built yet; see the issues. */
package dev.pier.monitoring;
