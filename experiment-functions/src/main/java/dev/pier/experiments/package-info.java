/** experiment-functions: not built yet; see the issues. */
package dev.pier.experiments;
