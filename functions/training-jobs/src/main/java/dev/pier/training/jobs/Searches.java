package dev.pier.training.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.kernel.PierException;
import dev.pier.training.TrainingParams;
import dev.pier.training.tuning.Pruner;
import dev.pier.training.tuning.Sampler;
import dev.pier.training.tuning.SearchSpace;
import dev.pier.training.tuning.Trial;
import dev.pier.training.tuning.TrialState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The search a job's {@code tuning} asks for, on the training library's samplers (random, grid, TPE with Optuna's
 * defaults) and pruners (median, successive halving, Hyperband), driven one batch at a time by the workflow's Suggest
 * state instead of the library's in-process {@code Tuner}: each batch's trials run as Map iterations, and the trials
 * recorded in the jobs table are the history the sampler learns from, handed to it once each as they finish. Options besides {@code space},
 * {@code strategy}, {@code max_trials} and {@code parallel}: {@code pruner}, {@code early_stopping}
 * ({@code {"patience": n, "target": x}}) and {@code warm_start} (an earlier job's id whose trials the sampler and
 * pruner learn from).
 */
public class Searches {
  private static final Set<String> OPTIONS = Set.of("pruner", "early_stopping", "warm_start");
  private final TrainingJobsTable jobs;
  private final ModelTrainer trainer;

  public Searches(TrainingJobsTable jobs, ModelTrainer trainer) {
    this.jobs = jobs;
    this.trainer = trainer;
  }

  /** A 400 naming what is wrong with {@code tuning} (its space, strategy, pruner, options). */
  public void check(TrainingJobSpec.Tuning tuning, Map<String, Object> params, String metric) {
    check(tuning, params, metric, null, 0);
  }

  /**
   * {@link #check(TrainingJobSpec.Tuning, Map, String)} for a script job ({@code script} not null): its goal says the
   * metric's direction and its steps are CV folds ({@code folds}), its params are the script's own.
   */
  public void check(TrainingJobSpec.Tuning tuning, Map<String, Object> params, String metric,
      dev.pier.training.script.ScriptSpec script, int folds) {
    parts(tuning, params, metric, "check", script, folds);
    JsonNode warm = tuning.options().get("warm_start");
    if (warm != null && !warm.isNull()) {
      if (!warm.isTextual() || jobs.get(warm.asText()).isEmpty()) {
        throw PierException.badRequest("tuning.warm_start names no training job: " + warm);
      }
    }
  }

  private record Parts(SearchSpace space, Sampler sampler, Pruner pruner, int patience, Double target) {}

  @SuppressWarnings("unchecked")
  private Parts parts(TrainingJobSpec.Tuning tuning, Map<String, Object> params, String metric, String study,
      dev.pier.training.script.ScriptSpec script, int folds) {
    Fields.object(tuning.options(), OPTIONS, "tuning's options");
    Map<String, Object> json = TrainingJobsTable.JSON.convertValue(tuning.space(), Map.class);
    SearchSpace space = SearchSpace.parse(json);
    boolean maximize = script != null ? script.maximize() : trainer.greaterIsBetter(metric);
    Sampler sampler = Sampler.of(tuning.strategy(), space, maximize, 0);
    String pruner = Fields.text(tuning.options(), "pruner");
    Pruner p = Pruner.of(pruner, tuning.strategy(), script != null ? folds : TrainingParams.of(params).numRound(),
        study);
    JsonNode early = tuning.options().path("early_stopping");
    int patience = 0;
    Double target = null;
    if (!early.isMissingNode() && !early.isNull()) {
      Fields.object(early, Set.of("patience", "target"), "tuning.early_stopping");
      Integer pat = Fields.integer(early, "patience");
      patience = pat == null ? 0 : pat;
      target = Fields.number(early, "target");
      if (patience < 0) {
        throw PierException.badRequest("tuning.early_stopping.patience must not be negative");
      }
    }
    return new Parts(space, sampler, p, patience, target);
  }

  /** The job's search: one trial of its params without tuning. */
  public SearchStrategy of(TrainingJob job) {
    TrainingJobSpec spec = job.spec();
    if (spec.tuning() == null) {
      return SearchStrategy.single(spec.params());
    }
    if (dev.pier.training.sagemaker.ModelTuning.requested(spec)) { // SageMaker's tuning job proposes the trials
      return (count, next) -> List.of();
    }
    Parts parts = parts(spec.tuning(), spec.params(), spec.metric(), job.id(), spec.script(), spec.cv().folds());
    boolean maximize = spec.script() != null ? spec.script().maximize() : trainer.greaterIsBetter(spec.metric());
    List<Trial> warm = new ArrayList<>();
    JsonNode warmJob = spec.tuning().options().get("warm_start");
    if (warmJob != null && warmJob.isTextual()) {
      jobs.trials(warmJob.asText()).stream().map(Searches::trial)
          .filter(t -> t.state() == TrialState.COMPLETE || t.state() == TrialState.PRUNED)
          .filter(t -> parts.space().admits(sampled(t.params(), parts.space())))
          .forEach(t -> warm.add(new Trial(t.number(), t.state(), sampled(t.params(), parts.space()), t.value(),
              t.intermediate(), t.cv(), t.error())));
    }
    return new Learning(parts, maximize, warm, spec.params());
  }

  /**
   * A tuned search's state in this process: the warm-start trials and the observed ones (the sampler's history and the
   * pruner's comparison set, appended to as trials finish) and the early-stopping counters.
   */
  private static final class Learning implements SearchStrategy {
    private final Parts parts;
    private final boolean maximize;
    private final List<Trial> known;
    private final Map<String, Object> base;
    private Double best;
    private int since;

    Learning(Parts parts, boolean maximize, List<Trial> warm, Map<String, Object> base) {
      this.parts = parts;
      this.maximize = maximize;
      this.known = new ArrayList<>(warm);
      this.base = base;
    }

    @Override
    public synchronized void observe(TrialRecord t) {
      Trial trial = trial(t);
      known.add(new Trial(trial.number(), trial.state(), sampled(t.params(), parts.space()), trial.value(),
          trial.intermediate(), trial.cv(), trial.error()));
      if ("SUCCEEDED".equals(t.state()) && t.cvMean() != null) { // early stopping: patience and target
        if (best == null || (maximize ? t.cvMean() > best : t.cvMean() < best)) {
          best = t.cvMean();
          since = 0;
        } else {
          since++;
        }
      }
    }

    /** Patience without improvement, or the target reached: early stopping of the whole search. */
    private boolean stopped() {
      if (best != null && parts.target() != null && (maximize ? best >= parts.target() : best <= parts.target())) {
        return true;
      }
      return parts.patience() > 0 && since >= parts.patience();
    }

    @Override
    public synchronized List<Map<String, Object>> suggest(int count, int next) {
      if (stopped()) {
        return List.of();
      }
      List<Map<String, Object>> out = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        int number = next + i;
        if (number >= parts.sampler().capacity()) {
          break; // a grid visited whole
        }
        Map<String, Object> p = new TreeMap<>(base);
        p.putAll(parts.sampler().sample(parts.space(), known, number));
        out.add(p);
      }
      return out;
    }

    @Override
    public boolean prunes() {
      return !(parts.pruner() instanceof Pruner.None);
    }

    @Override
    public synchronized boolean prune(TrialRecord running, SortedMap<Integer, Double> steps) {
      Trial now = new Trial(running.number(), TrialState.RUNNING, sampled(running.params(), parts.space()), null,
          steps, null, null);
      return parts.pruner().prune(now, known, maximize);
    }
  }

  /** Only the space's parameters: what samplers compare. */
  private static Map<String, Object> sampled(Map<String, Object> params, SearchSpace space) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (String name : space.params().keySet()) {
      if (params.containsKey(name)) {
        out.put(name, params.get(name));
      }
    }
    return out;
  }

  /** A recorded trial as the library's samplers and pruners see one. */
  static Trial trial(TrialRecord t) {
    TrialState state = switch (t.state()) {
      case "SUCCEEDED" -> TrialState.COMPLETE;
      case "PRUNED" -> TrialState.PRUNED;
      case "FAILED" -> TrialState.FAIL;
      default -> TrialState.RUNNING;
    };
    SortedMap<Integer, Double> steps = new TreeMap<>();
    if (t.history() != null) {
      for (int i = 0; i < t.history().size(); i++) {
        steps.put(i, t.history().get(i));
      }
    }
    Double value = state == TrialState.COMPLETE ? t.cvMean()
        : state == TrialState.PRUNED && !steps.isEmpty() ? steps.get(steps.lastKey()) : null;
    return new Trial(t.number(), state, t.params(), value, steps, null, t.error());
  }
}
