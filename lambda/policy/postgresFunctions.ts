import { wordSet } from './words.js';

/**
 * The PostgreSQL functions a read may call: built-ins of pg_catalog that compute a value from their
 * arguments or report on the database without changing anything, taking a lock, waiting, touching the
 * server's files, running SQL text or reaching another server. Everything else is refused to the read and
 * write roles — in particular (each bypasses a READ ONLY transaction or harms other sessions):
 * pg_terminate_backend, pg_cancel_backend, set_config, setseed, nextval / setval / currval / lastval,
 * pg_advisory_* and pg_try_advisory_*, lo_* / loread / lowrite, dblink*, pg_read_file,
 * pg_read_binary_file, pg_ls_*, pg_stat_file, pg_sleep*, pg_notify, txid_current and
 * pg_current_xact_id (they assign a transaction id), query_to_xml and the other *_to_xml functions,
 * ts_stat and ts_rewrite (they run SQL text), pg_reload_conf, pg_rotate_logfile, pg_switch_wal,
 * pg_create_restore_point, pg_backup_*, pg_promote, pg_wal_replay_*, replication slot and origin
 * functions, pg_logical_*, pg_stat_reset*, pg_export_snapshot, pg_log_backend_memory_contexts,
 * pg_hba_file_rules, pg_show_all_file_settings, pg_current_logfile, pg_import_system_collations, and any
 * function outside pg_catalog (extensions' and user-defined functions are unknown, so refused).
 *
 * Names are as PostgreSQL resolves them: lower case unless quoted. A name qualified with `pg_catalog.` is
 * the same function; any other schema is not a built-in.
 */
export const PG_READ_FUNCTIONS: ReadonlySet<string> = wordSet(`
  // Math.
  abs acos acosd acosh asin asind asinh atan atan2 atan2d atand atanh
  cbrt ceil ceiling cos cosd cosh cot cotd degrees div erf erfc exp
  factorial floor gamma gcd lcm lgamma ln log log10 min_scale mod pi
  power pow radians random random_normal round scale sign sin sind sinh
  sqrt tan tand tanh trim_scale trunc width_bucket
  // Casts written as function calls.
  bigint bit bool boolean bpchar bytea char cidr date float4 float8 inet
  int int2 int4 int8 integer interval json jsonb macaddr macaddr8 money
  name numeric oid real regclass regcollation regconfig regdictionary
  regnamespace regoper regoperator regproc regprocedure regrole regtype smallint
  text time timestamp timestamptz timetz uuid varbit varchar xml
  // Strings and bytes.
  ascii bit_count bit_length btrim casefold char_length character_length chr
  concat concat_ws convert convert_from convert_to crc32 crc32c decode encode
  format get_bit get_byte initcap is_normalized left length like_escape lower
  lpad ltrim md5 normalize octet_length overlay parse_ident position quote_ident
  quote_literal quote_nullable regexp_count regexp_instr regexp_like regexp_match
  regexp_matches regexp_replace regexp_split_to_array regexp_split_to_table regexp_substr
  repeat replace reverse right rpad rtrim set_bit set_byte sha224 sha256
  sha384 sha512 similar_escape similar_to_escape split_part starts_with string_to_array
  string_to_table strpos substr substring to_ascii to_bin to_hex to_oct translate
  unicode_assigned unistr upper
  // Date and time.
  age clock_timestamp date_add date_bin date_part date_subtract date_trunc extract
  isfinite justify_days justify_hours justify_interval make_date make_interval make_time
  make_timestamp make_timestamptz now overlaps statement_timestamp timeofday timezone
  to_char to_date to_number to_timestamp transaction_timestamp
  // Enums, geometry, network addresses, UUIDs.
  enum_first enum_last enum_range area bound_box box center circle diameter
  height isclosed isopen line lseg npoints path pclose point polygon popen
  radius width abbrev broadcast family host hostmask inet_merge inet_same_family
  macaddr8_set7bit masklen netmask network set_masklen gen_random_uuid uuidv4 uuidv7
  uuid_extract_timestamp uuid_extract_version
  // Text search (ts_stat and ts_rewrite run SQL text: not here).
  array_to_tsvector get_current_ts_config numnode phraseto_tsquery plainto_tsquery
  querytree setweight strip to_tsquery to_tsvector ts_debug ts_delete ts_filter
  ts_headline ts_lexize ts_parse ts_rank ts_rank_cd ts_token_type tsvector_to_array
  websearch_to_tsquery json_to_tsvector jsonb_to_tsvector
  // XML (values only: the *_to_xml functions run queries).
  xml_is_well_formed xml_is_well_formed_content xml_is_well_formed_document xmlcomment
  xmlexists xmltext xpath xpath_exists
  // JSON.
  array_to_json json_agg json_agg_strict json_array_elements json_array_elements_text
  json_array_length json_build_array json_build_object json_each json_each_text
  json_extract_path json_extract_path_text json_object json_object_agg json_object_agg_strict
  json_object_agg_unique json_object_agg_unique_strict json_object_keys json_populate_record
  json_populate_recordset json_strip_nulls json_to_record json_to_recordset json_typeof
  jsonb_agg jsonb_agg_strict jsonb_array_elements jsonb_array_elements_text
  jsonb_array_length jsonb_build_array jsonb_build_object jsonb_each jsonb_each_text
  jsonb_extract_path jsonb_extract_path_text jsonb_insert jsonb_object jsonb_object_agg
  jsonb_object_agg_strict jsonb_object_agg_unique jsonb_object_agg_unique_strict
  jsonb_object_keys jsonb_path_exists jsonb_path_exists_tz jsonb_path_match
  jsonb_path_match_tz jsonb_path_query jsonb_path_query_array jsonb_path_query_array_tz
  jsonb_path_query_first jsonb_path_query_first_tz jsonb_path_query_tz jsonb_populate_record
  jsonb_populate_record_valid jsonb_populate_recordset jsonb_pretty jsonb_set jsonb_set_lax
  jsonb_strip_nulls jsonb_to_record jsonb_to_recordset jsonb_typeof row_to_json to_json
  to_jsonb
  // Arrays, ranges, sets.
  array_append array_cat array_dims array_fill array_length array_lower array_ndims
  array_position array_positions array_prepend array_remove array_replace array_reverse
  array_sample array_shuffle array_sort array_to_string array_upper cardinality
  trim_array unnest generate_series generate_subscripts daterange datemultirange
  int4range int4multirange int8range int8multirange isempty lower_inc lower_inf
  multirange nummultirange numrange range_merge tsmultirange tsrange tstzmultirange
  tstzrange upper_inc upper_inf num_nonnulls num_nulls
  // Aggregates.
  any_value array_agg avg bit_and bit_or bit_xor bool_and bool_or corr count
  covar_pop covar_samp every max min mode percentile_cont percentile_disc
  range_agg range_intersect_agg regr_avgx regr_avgy regr_count regr_intercept regr_r2
  regr_slope regr_sxx regr_sxy regr_syy stddev stddev_pop stddev_samp string_agg
  sum var_pop var_samp variance xmlagg
  // Window functions.
  cume_dist dense_rank first_value lag last_value lead nth_value ntile
  percent_rank rank row_number
  // Session and server information.
  current_database current_query current_schema current_schemas current_setting
  inet_client_addr inet_client_port inet_server_addr inet_server_port pg_backend_pid
  pg_blocking_pids pg_conf_load_time pg_is_other_temp_schema pg_jit_available
  pg_listening_channels pg_my_temp_schema pg_notification_queue_usage pg_postmaster_start_time
  pg_safe_snapshot_blocking_pids pg_trigger_depth system_user version unicode_version
  icu_unicode_version pg_client_encoding getdatabaseencoding pg_encoding_max_length
  // Privileges and visibility.
  acldefault aclexplode has_any_column_privilege has_column_privilege
  has_database_privilege has_foreign_data_wrapper_privilege has_function_privilege
  has_language_privilege has_largeobject_privilege has_parameter_privilege has_schema_privilege
  has_sequence_privilege has_server_privilege has_table_privilege has_tablespace_privilege
  has_type_privilege makeaclitem pg_has_role row_security_active pg_collation_is_visible
  pg_conversion_is_visible pg_function_is_visible pg_opclass_is_visible pg_operator_is_visible
  pg_opfamily_is_visible pg_statistics_obj_is_visible pg_table_is_visible
  pg_ts_config_is_visible pg_ts_dict_is_visible pg_ts_parser_is_visible
  pg_ts_template_is_visible pg_type_is_visible
  // Catalog information (what psql's describe commands call).
  col_description format_type obj_description shobj_description pg_basetype
  pg_char_to_encoding pg_collation_for pg_describe_object pg_encoding_to_char pg_get_acl
  pg_get_catalog_foreign_keys pg_get_constraintdef pg_get_expr pg_get_function_arg_default
  pg_get_function_arguments pg_get_function_identity_arguments pg_get_function_result
  pg_get_function_sqlbody pg_get_functiondef pg_get_indexdef pg_get_keywords
  pg_get_object_address pg_get_partition_constraintdef pg_get_partkeydef
  pg_get_replica_identity_index pg_get_ruledef pg_get_serial_sequence pg_get_statisticsobjdef
  pg_get_statisticsobjdef_columns pg_get_statisticsobjdef_expressions pg_get_triggerdef
  pg_get_userbyid pg_get_viewdef pg_identify_object pg_identify_object_as_address
  pg_index_column_has_property pg_index_has_property pg_indexam_has_property
  pg_input_error_info pg_input_is_valid pg_options_to_table pg_relation_is_updatable
  pg_column_is_updatable pg_settings_get_flags pg_tablespace_databases pg_tablespace_location
  pg_typeof to_regclass to_regcollation to_regnamespace to_regoper to_regoperator
  to_regproc to_regprocedure to_regrole to_regtype to_regtypemod pg_partition_ancestors
  pg_partition_root pg_partition_tree pg_lock_status pg_stat_get_activity
  // Sizes.
  pg_column_compression pg_column_size pg_column_toast_chunk_id pg_database_size
  pg_filenode_relation pg_indexes_size pg_relation_filenode pg_relation_filepath
  pg_relation_size pg_size_bytes pg_size_pretty pg_table_size pg_tablespace_size
  pg_total_relation_size
  // Transaction ids and snapshots, read without assigning one.
  mxid_age pg_current_snapshot pg_current_xact_id_if_assigned pg_last_committed_xact
  pg_snapshot_xip pg_snapshot_xmax pg_snapshot_xmin pg_visible_in_snapshot
  pg_xact_commit_timestamp pg_xact_status txid_current_if_assigned txid_current_snapshot
  txid_snapshot_xip txid_snapshot_xmax txid_snapshot_xmin txid_status txid_visible_in_snapshot
  // WAL and recovery status.
  pg_control_checkpoint pg_control_init pg_control_recovery pg_control_system
  pg_current_wal_flush_lsn pg_current_wal_insert_lsn pg_current_wal_lsn
  pg_get_wal_replay_pause_state pg_is_in_recovery pg_is_wal_replay_paused
  pg_last_wal_receive_lsn pg_last_wal_replay_lsn pg_last_xact_replay_timestamp
  pg_split_walfile_name pg_wal_lsn_diff pg_walfile_name pg_walfile_name_offset
`);

/** Functions the write role may call on top of the read list: sequences move forward when used. */
export const PG_WRITE_FUNCTIONS: ReadonlySet<string> = new Set(['nextval', 'currval']);

/** TABLESAMPLE methods built into PostgreSQL. */
export const PG_TABLESAMPLE_METHODS: ReadonlySet<string> = new Set(['bernoulli', 'system']);

/**
 * Operator symbols of built-in operators. A user-defined operator runs its own function, so an operator
 * outside this list (or qualified with a schema other than pg_catalog) is refused like an unknown
 * function.
 */
export const PG_OPERATORS: ReadonlySet<string> = wordSet(`
  + - * / % ^ |/ ||/ @ & | # ~ << >> = <> != < >
  <= >= || ~~ ~~* !~~ !~~* ~* !~ !~* @> <@ && ? ?| ?& ->
  ->> #> #>> #- @? @@ @@@ <-> <<| |>> &< &> &<| |&> <<= >>=
  -|- ## ?# ?- ?| ?-| ?|| @-@ <^ >^ ~= ^@ <#> <=>
`);

/**
 * Settings SHOW may reveal to the read and write roles: planner, resource, locale, timeout, replication
 * and maintenance settings. Paths, commands and connection strings (data_directory, hba_file,
 * archive_command, primary_conninfo, ssl_*_file, log_directory…) and SHOW ALL need the admin role.
 */
const SHOW_NAMES = wordSet(`
  application_name block_size bytea_output client_encoding client_min_messages data_checksums
  datestyle deadlock_timeout default_statistics_target default_tablespace default_text_search_config
  default_toast_compression extra_float_digits from_collapse_limit hot_standby hot_standby_feedback
  huge_pages idle_in_transaction_session_timeout idle_session_timeout in_hot_standby
  integer_datetimes intervalstyle is_superuser join_collapse_limit lock_timeout maintenance_work_mem
  max_connections max_files_per_process max_locks_per_transaction max_pred_locks_per_transaction
  max_prepared_transactions max_replication_slots max_stack_depth max_standby_archive_delay
  max_standby_streaming_delay max_wal_senders max_wal_size max_worker_processes min_wal_size
  plan_cache_mode random_page_cost role row_security search_path seq_page_cost server_encoding
  server_version server_version_num session_authorization shared_buffers standard_conforming_strings
  statement_timeout synchronous_commit temp_buffers temp_file_limit temp_tablespaces timezone
  transaction_deferrable transaction_isolation transaction_read_only wal_buffers wal_compression
  wal_keep_size wal_level wal_segment_size work_mem checkpoint_timeout checkpoint_completion_target
  effective_cache_size effective_io_concurrency geqo geqo_threshold log_min_duration_statement
  log_statement log_lock_waits ssl port listen_addresses max_slot_wal_keep_size
`);

const SHOW_PREFIXES = [
  'enable_',
  'lc_',
  'autovacuum',
  'vacuum_',
  'track_',
  'jit',
  'cpu_',
  'parallel_',
  'max_parallel_',
  'min_parallel_',
  'default_transaction_',
];

/**
 * Whether SHOW (or current_setting) of this setting is harmless enough for the read and write roles.
 */
export function isHarmlessSetting(name: string): boolean {
  const lower = name.toLowerCase();
  return SHOW_NAMES.has(lower) || SHOW_PREFIXES.some((prefix) => lower.startsWith(prefix));
}

/**
 * Settings a statement may never change, whatever the role: they end or reshape the transaction the
 * handler runs the statement in, or change the identity it runs as.
 */
export const PG_PROTECTED_SETTINGS: ReadonlyMap<string, 'transaction-control' | 'role-switch'> = new Map([
  ['transaction_read_only', 'transaction-control'],
  ['transaction_isolation', 'transaction-control'],
  ['transaction_deferrable', 'transaction-control'],
  ['role', 'role-switch'],
  ['session_authorization', 'role-switch'],
]);
