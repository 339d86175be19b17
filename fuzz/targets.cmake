# The libFuzzer targets, written once: fuzz/CMakeLists.txt builds each from fuzz/<name>_fuzzer.cpp,
# tests/CMakeLists.txt runs each over fuzz/corpus/<name> (tools/run-fuzzer.sh).
set(ALLOCATION_FUZZ_TARGETS
    http_body              # decode_create_batch, decode_allocate, decode_change_batch_quantity
    broker_message         # decode_change_batch_quantity_message
    reservation            # decode_reserve, decode_extend_reservation
    order_release          # decode_deallocate; check_identifier on a path's order id (cancel)
    product_policy         # decode_set_product_policy
    warehouse_priority     # decode_set_warehouse_priority
    page_query             # decode_movements_query, decode_products_query
    batch_csv              # BatchCsvReader, decode_batch_row, append_csv_row read back
    idempotency_key        # is_usable_idempotency_key, is_usable_request_id, request_fingerprint
    redis_reply            # stream and pub/sub replies (hiredis) into payloads, then decoded
    amqp_properties        # a RabbitMQ message's headers (rabbitmq-c) into its delivery count
)
