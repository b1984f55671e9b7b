package dev.pier.training.http;

import dev.pier.kernel.security.AccessDenied;
import dev.pier.kernel.security.CallerIdentity;
import dev.pier.kernel.security.Permission;
import dev.pier.training.jobs.TrainingJob;
import dev.pier.training.jobs.TrainingJobSpec;

/**
 * What a caller needs on a training job, beyond the route's "{@code register} on some model": a job belongs to the
 * model it registers into, so submitting or cancelling it needs {@code register} on that model only (a job that
 * registers nothing: on every model), reading it {@code read} there; a job whose data comes from the feature store
 * or a recorded dataset needs {@code features_read} too, as reading that data through {@code /api/v1/datasets} or the
 * feature store does. Files named by {@code uri} need nothing more: the caller names them. A job that moves an alias
 * or starts a canary ({@code register.alias}, {@code register.canary}) needs {@code alias} on its model, as moving
 * an alias through the registry does.
 */
final class JobGrants {
  private JobGrants() {}

  /** Whether the caller may read the model the job registers (a job without one: a grant on every model). */
  static boolean visible(CallerIdentity caller, TrainingJob job) {
    return caller.allows(Permission.READ, model(job.spec()));
  }

  /** 403 naming the missing permission unless the caller may submit {@code spec}; checked before anything runs. */
  static void requireSubmit(CallerIdentity caller, TrainingJobSpec spec) {
    requireRegister(caller, spec, "submit");
    var register = spec.register();
    if (register != null && (register.alias() != null || register.canary() != null)
        && !caller.allows(Permission.ALIAS, register.model())) {
      throw AccessDenied.forbidden(caller.principal() + " may not submit this training job: moving alias '"
          + (register.alias() != null ? register.alias() : register.canary().alias()) + "' needs permission alias on"
          + " model '" + register.model() + "'");
    }
    var d = spec.dataset();
    String data = d.featureService() != null ? "feature service '" + d.featureService() + "'"
        : d.ref() != null ? "dataset '" + d.ref() + "'" : null;
    if (data != null && !caller.allows(Permission.FEATURES_READ, null)) {
      throw AccessDenied.forbidden(caller.principal() + " may not read " + data + ": a training job on it needs"
          + " permission features_read on the platform (a grant on '*')");
    }
  }

  /** 403 naming the missing permission unless the caller may cancel {@code job} (404 if it may not even read it). */
  static void requireCancel(CallerIdentity caller, TrainingJob job) {
    requireRegister(caller, job.spec(), "cancel");
  }

  private static void requireRegister(CallerIdentity caller, TrainingJobSpec spec, String verb) {
    String model = model(spec);
    if (!caller.allows(Permission.REGISTER, model)) {
      throw AccessDenied.forbidden(caller.principal() + " may not " + verb + " this training job: it needs"
          + " permission register " + (model == null ? "on every model (the job registers none; grant '*')"
          : "on model '" + model + "', which the job registers into"));
    }
  }

  private static String model(TrainingJobSpec spec) {
    return spec.register() == null ? null : spec.register().model();
  }
}
