/** infra-cdk: not built yet; see the issues. */
package dev.pier.infra;
