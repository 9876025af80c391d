{#- Payment arrangements, one-to-one with raw.betalingsregelingen (current version per key): renamed and cast. -#}
with

source as (
    select * from {{ source('raw', 'betalingsregelingen') }}
),

renamed as (
    select
        -- ids
        cast(regeling_id as {{ dbt.type_string() }}) as regeling_id,
        cast(overeenkomst_id as {{ dbt.type_string() }}) as overeenkomst_id,
        -- dates
        afspraakdatum,
        einddatum,
        -- codes
        status as regeling_status,
        eindereden as regeling_eindereden,
        -- amounts
        bedrag as regeling_bedrag,
        cast(termijnen_aantal as integer) as termijnen_aantal,

        -- lineage
        {{ raw_event_columns() }}
    from source
)

select * from renamed
