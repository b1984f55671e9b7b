/** state-machines: not built yet; see the issues. */
package dev.pier.statemachines;
