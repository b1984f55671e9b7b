/**
 * The feature store, in Feast's vocabulary: {@link dev.pier.features.Entity entities}, {@link
 * dev.pier.features.DataSource data sources}, {@link dev.pier.features.FeatureView feature views} and {@link
 * dev.pier.features.FeatureService feature services}, declared in one document ({@link
 * dev.pier.features.DefinitionsParser}) and applied all or nothing with a version per change ({@link
 * dev.pier.features.FeatureRegistry}); the online store on DynamoDB ({@link dev.pier.features.OnlineStore}, read through
 * {@link dev.pier.features.OnlineFeatures}); point-in-time correct historical retrieval with DuckDB over Parquet in S3
 * ({@link dev.pier.features.HistoricalRetrieval}); materialization offline → online ({@link
 * dev.pier.features.Materialization}); the pipeline's lookup ({@link dev.pier.features.FeatureLookup}). The REST
 * lives in {@code dev.pier.features.http}; {@link dev.pier.features.FeatureStore} builds the parts.
 */
package dev.pier.features;
