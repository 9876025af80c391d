{#- The tenant ledger, one-to-one with raw.boekingen (current version per key): renamed and cast. -#}
with

source as (
    select * from {{ source('raw', 'boekingen') }}
),

renamed as (
    select
        -- ids
        cast(boeking_id as {{ dbt.type_string() }}) as boeking_id,
        cast(overeenkomst_id as {{ dbt.type_string() }}) as overeenkomst_id,
        -- dates
        boekdatum,
        vervaldatum,
        -- codes
        detailsoort as boeking_detailsoort,
        -- amounts (signed: + the tenant owes more, - the tenant owes less)
        bedrag,

        -- lineage
        {{ raw_event_columns() }}
    from source
)

select * from renamed
